// Starts GraphiQL with the settings the server put into the page. Kept out
// of the page itself so that the Content-Security-Policy can forbid inline
// scripts.
(function () {
  'use strict';
  var settings = JSON.parse(document.getElementById('playground-settings').textContent);
  var tokenHeaders = settings.token ? { Authorization: 'Bearer ' + settings.token } : null;
  var editorHeaders = tokenHeaders ? JSON.stringify(tokenHeaders, null, 2) : undefined;
  var endpoint = new URL(settings.endpoint, window.location.href);
  // Subscriptions go over a WebSocket to the same endpoint (wss: under
  // https:), with graphql-transport-ws: GraphiQL's bundle carries the
  // graphql-ws client, and puts the request's headers (the Authorization
  // below or the header editor's) into connection_init's payload, where
  // the server reads the credential.
  var socket = new URL(endpoint.href);
  socket.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';
  var send = GraphiQL.createFetcher({ url: endpoint.href, subscriptionUrl: socket.href });

  // GraphiQL fetches the schema before its header editor exists, and then
  // sends no headers at all; such a request gets the page's token.
  function fetcher(params, options) {
    if (tokenHeaders && !(options && options.headers)) {
      options = Object.assign({}, options, { headers: tokenHeaders });
    }
    return send(params, options);
  }

  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: settings.defaultQuery,
      headers: editorHeaders,
      defaultHeaders: editorHeaders,
      // A token stays in the page, never in the browser's storage.
      shouldPersistHeaders: false,
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: tokenHeaders ? 'headers' : false,
      plugins: [GraphiQLPluginExplorer.explorerPlugin()],
      inputValueDeprecation: true,
    })
  );
})();
