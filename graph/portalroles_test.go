package graph_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/graph/graphtest"
)

// portalRoleFields selects everything a test may look at on a portal role.
const portalRoleFields = `id slug name builtIn isDefault`

// The GraphQL documents of the portal role tests.
const (
	createPortalRoleDoc     = `mutation($input: CreatePortalRoleInput!) { createPortalRole(input: $input) { portalRole { ` + portalRoleFields + ` } ` + userErrorFields + ` } }`
	updatePortalRoleDoc     = `mutation($id: ID!, $input: UpdatePortalRoleInput!) { updatePortalRole(id: $id, input: $input) { portalRole { ` + portalRoleFields + ` } ` + userErrorFields + ` } }`
	updatePortalSettingsDoc = `mutation($id: ID!) { updatePortalSettings(input: { defaultPortalRoleId: $id }) { portalSettings { defaultPortalRole { ` + portalRoleFields + ` } } ` + userErrorFields + ` } }`
	portalRolesDoc          = `{ portalRoles { ` + portalRoleFields + ` } portalSettings { defaultPortalRole { ` + portalRoleFields + ` } } }`
)

// roleData is a portal role as the tests decode it.
type roleData struct {
	ID        string `json:"id"`
	Slug      string `json:"slug"`
	Name      string `json:"name"`
	BuiltIn   bool   `json:"builtIn"`
	IsDefault bool   `json:"isDefault"`
}

// portalRolePayload is the payload of a portal role mutation.
type portalRolePayload struct {
	PortalRole *roleData             `json:"portalRole"`
	UserErrors []graphtest.UserError `json:"userErrors"`
}

// portalSettingsPayload is the payload of updatePortalSettings.
type portalSettingsPayload struct {
	PortalSettings *struct {
		DefaultPortalRole roleData `json:"defaultPortalRole"`
	} `json:"portalSettings"`
	UserErrors []graphtest.UserError `json:"userErrors"`
}

func (c *client) tryCreatePortalRole(slug, name string) portalRolePayload {
	c.T.Helper()
	return rootField[portalRolePayload](c, createPortalRoleDoc, map[string]any{"input": map[string]any{"slug": slug, "name": name}})
}

// createPortalRole creates a custom role that must be valid and returns its id.
func (c *client) createPortalRole(slug, name string) string {
	c.T.Helper()
	got := c.tryCreatePortalRole(slug, name)
	if len(got.UserErrors) > 0 || got.PortalRole == nil {
		c.T.Fatalf("createPortalRole(%q): user errors %s, want none", slug, describeErrors(got.UserErrors))
	}
	return got.PortalRole.ID
}

func (c *client) tryUpdatePortalRole(id string, input map[string]any) portalRolePayload {
	c.T.Helper()
	return rootField[portalRolePayload](c, updatePortalRoleDoc, map[string]any{"id": id, "input": input})
}

func (c *client) tryUpdatePortalSettings(defaultID string) portalSettingsPayload {
	c.T.Helper()
	return rootField[portalSettingsPayload](c, updatePortalSettingsDoc, map[string]any{"id": defaultID})
}

// portalRoles returns the workspace's portal roles in listed order and its
// default role.
func (c *client) portalRoles() ([]roleData, roleData) {
	c.T.Helper()
	var out struct {
		PortalRoles    []roleData
		PortalSettings struct{ DefaultPortalRole roleData }
	}
	c.MustDo(portalRolesDoc, nil, &out)
	return out.PortalRoles, out.PortalSettings.DefaultPortalRole
}

// portalRoleIDs returns the ids of the workspace's portal roles by slug.
func (c *client) portalRoleIDs() map[string]string {
	c.T.Helper()
	roles, _ := c.portalRoles()
	ids := make(map[string]string, len(roles))
	for _, r := range roles {
		ids[r.Slug] = r.ID
	}
	return ids
}

// roleSlugs returns the slugs of roles, in order.
func roleSlugs(roles []roleData) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = r.Slug
	}
	return out
}

// defaultSlugs returns the slugs of the roles marked as default.
func defaultSlugs(roles []roleData) []string {
	var out []string
	for _, r := range roles {
		if r.IsDefault {
			out = append(out, r.Slug)
		}
	}
	return out
}

func TestCreatePortalRoleRejectsInvalidInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		taken     string // a custom role's slug to create first, if any
		slug      string
		roleName  string
		wantField []string
		wantCode  string
	}{
		{"an upper-case slug is invalid", "", "Vip", "VIP", inputAt("slug"), "INVALID"},
		{"a slug starting with a digit is invalid", "", "1vip", "VIP", inputAt("slug"), "INVALID"},
		{"a slug starting with an underscore is invalid", "", "_vip", "VIP", inputAt("slug"), "INVALID"},
		{"a slug with a hyphen is invalid", "", "vip-plus", "VIP", inputAt("slug"), "INVALID"},
		{"an empty slug is invalid", "", "", "VIP", inputAt("slug"), "INVALID"},
		{"a slug of 64 characters is too long", "", "v" + strings.Repeat("x", 63), "VIP", inputAt("slug"), "TOO_LONG"},
		{"a built-in slug already exists", "", "member", "Member 2", inputAt("slug"), "ALREADY_EXISTS"},
		{"a custom slug taken already exists", "partner", "partner", "Partner 2", inputAt("slug"), "ALREADY_EXISTS"},
		{"an empty name is required", "", "vip", "", inputAt("name"), "REQUIRED"},
		{"a name over 255 characters is too long", "", "vip", strings.Repeat("n", 256), inputAt("name"), "TOO_LONG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t)
			want := []string{"no_access", "member", "admin"}
			if tt.taken != "" {
				c.createPortalRole(tt.taken, "Taken")
				want = append(want, tt.taken)
			}
			got := c.tryCreatePortalRole(tt.slug, tt.roleName)
			if got.PortalRole != nil {
				t.Errorf("portalRole = %+v, want null", got.PortalRole)
			}
			checkUserError(t, got.UserErrors, tt.wantField, tt.wantCode)
			if roles, _ := c.portalRoles(); !slices.Equal(roleSlugs(roles), want) {
				t.Errorf("portal roles after a refused create = %q, want %q", roleSlugs(roles), want)
			}
		})
	}
}

func TestCreatePortalRoleAcceptsValidSlugs(t *testing.T) {
	t.Parallel()
	for _, slug := range []string{"v", "vip", "tier_2", "v" + strings.Repeat("x", 62)} {
		t.Run(slug, func(t *testing.T) {
			t.Parallel()
			c := newClient(t)
			got := c.tryCreatePortalRole(slug, "Custom")
			if len(got.UserErrors) > 0 || got.PortalRole == nil {
				t.Fatalf("user errors %s, want none", describeErrors(got.UserErrors))
			}
			if r := got.PortalRole; r.Slug != slug || r.Name != "Custom" || r.BuiltIn || r.IsDefault {
				t.Errorf("portalRole = %+v, want slug %s, name Custom, not built in, not default", *r, slug)
			}
		})
	}
}

func TestPortalRolesListBuiltInsFirst(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	roles, def := c.portalRoles()
	if want := []string{"no_access", "member", "admin"}; !slices.Equal(roleSlugs(roles), want) {
		t.Errorf("a new workspace's portalRoles = %q, want %q", roleSlugs(roles), want)
	}
	for _, r := range roles {
		if !r.BuiltIn {
			t.Errorf("%s: builtIn = false, want true", r.Slug)
		}
	}
	if got := defaultSlugs(roles); !slices.Equal(got, []string{"member"}) || def.Slug != "member" || !def.IsDefault {
		t.Errorf("default roles = %q, portalSettings default %+v; want member only", got, def)
	}

	c.createPortalRole("zeta", "Zeta")
	c.createPortalRole("alpha", "Alpha")
	roles, _ = c.portalRoles()
	if want := []string{"no_access", "member", "admin", "zeta", "alpha"}; !slices.Equal(roleSlugs(roles), want) {
		t.Errorf("portalRoles = %q, want %q (built-ins first, then custom oldest first)", roleSlugs(roles), want)
	}
	for i, r := range roles {
		if r.BuiltIn != (i < 3) || r.IsDefault != (r.Slug == "member") {
			t.Errorf("%s: builtIn %v, isDefault %v; want %v, %v", r.Slug, r.BuiltIn, r.IsDefault, i < 3, r.Slug == "member")
		}
	}
}

func TestUpdatePortalSettings(t *testing.T) {
	t.Parallel()
	t.Run("an unknown role is not found and changes nothing", func(t *testing.T) {
		t.Parallel()
		c := newClient(t)
		for _, id := range []string{db.NewID(db.PortalRolePrefix), "nope", c.CreateAccount(map[string]any{"name": "Acme"})} {
			got := c.tryUpdatePortalSettings(id)
			if got.PortalSettings != nil {
				t.Errorf("%s: portalSettings = %+v, want null", id, got.PortalSettings)
			}
			checkUserError(t, got.UserErrors, inputAt("defaultPortalRoleId"), "NOT_FOUND")
		}
		if _, def := c.portalRoles(); def.Slug != "member" {
			t.Errorf("default role = %s, want member", def.Slug)
		}
	})
	t.Run("isDefault follows the settings", func(t *testing.T) {
		t.Parallel()
		c := newClient(t)
		vip := c.createPortalRole("vip", "VIP")
		got := c.tryUpdatePortalSettings(vip)
		if len(got.UserErrors) > 0 || got.PortalSettings == nil {
			t.Fatalf("user errors %s, want none", describeErrors(got.UserErrors))
		}
		if r := got.PortalSettings.DefaultPortalRole; r.ID != vip || !r.IsDefault {
			t.Errorf("payload default role = %+v, want vip with isDefault", r)
		}
		roles, def := c.portalRoles()
		if got := defaultSlugs(roles); !slices.Equal(got, []string{"vip"}) || def.ID != vip {
			t.Errorf("default roles = %q, portalSettings default %s; want vip only", got, def.Slug)
		}
		c.tryUpdatePortalSettings(c.portalRoleIDs()["no_access"])
		if roles, _ := c.portalRoles(); !slices.Equal(defaultSlugs(roles), []string{"no_access"}) {
			t.Errorf("default roles = %q, want no_access only", defaultSlugs(roles))
		}
	})
}

func TestChangingPortalRoles(t *testing.T) {
	t.Parallel()
	t.Run("a built-in role cannot be updated", func(t *testing.T) {
		t.Parallel()
		c := newClient(t)
		got := c.tryUpdatePortalRole(c.portalRoleIDs()["admin"], map[string]any{"name": "Boss"})
		checkUserError(t, got.UserErrors, []string{"id"}, "INVALID")
		if roles, _ := c.portalRoles(); roles[2].Slug != "admin" || roles[2].Name != "Admin" {
			t.Errorf("admin role after a refused update = %+v, want unchanged", roles[2])
		}
	})
	t.Run("a built-in role cannot be deleted", func(t *testing.T) {
		t.Parallel()
		c := newClient(t)
		got := c.tryDelete("deletePortalRole", c.portalRoleIDs()["no_access"])
		checkUserError(t, got.UserErrors, []string{"id"}, "INVALID")
		if _, ok := c.portalRoleIDs()["no_access"]; !ok {
			t.Errorf("no_access is gone after a refused delete")
		}
	})
	t.Run("a custom role can be renamed", func(t *testing.T) {
		t.Parallel()
		c := newClient(t)
		vip := c.createPortalRole("vip", "VIP")
		got := c.tryUpdatePortalRole(vip, map[string]any{"slug": "gold", "name": "Gold"})
		if len(got.UserErrors) > 0 || got.PortalRole == nil || got.PortalRole.Slug != "gold" || got.PortalRole.Name != "Gold" {
			t.Errorf("updatePortalRole = %+v, %s; want slug gold, name Gold", got.PortalRole, describeErrors(got.UserErrors))
		}
		if ids := c.portalRoleIDs(); ids["gold"] != vip {
			t.Errorf("roles by slug = %v, want gold to be %s", ids, vip)
		}
	})
	t.Run("a custom role cannot take a taken slug", func(t *testing.T) {
		t.Parallel()
		c := newClient(t)
		vip := c.createPortalRole("vip", "VIP")
		got := c.tryUpdatePortalRole(vip, map[string]any{"slug": "admin"})
		checkUserError(t, got.UserErrors, inputAt("slug"), "ALREADY_EXISTS")
		if ids := c.portalRoleIDs(); ids["vip"] != vip {
			t.Errorf("roles by slug = %v, want vip unchanged", ids)
		}
	})
	t.Run("a role a contact has is in use", func(t *testing.T) {
		t.Parallel()
		c := newClient(t)
		vip := c.createPortalRole("vip", "VIP")
		c.CreateContact(map[string]any{"name": "Ada", "portalRole": "vip"})
		checkDeleteInUse(t, c, vip)
	})
	t.Run("the default role is in use", func(t *testing.T) {
		t.Parallel()
		c := newClient(t)
		vip := c.createPortalRole("vip", "VIP")
		c.tryUpdatePortalSettings(vip)
		checkDeleteInUse(t, c, vip)
	})
	t.Run("an unused custom role is deleted", func(t *testing.T) {
		t.Parallel()
		c := newClient(t)
		vip := c.createPortalRole("vip", "VIP")
		ada := c.CreateContact(map[string]any{"name": "Ada", "portalRoleId": vip})
		c.mustUpdateContact(ada.ID, map[string]any{"portalRole": "member"})
		got := c.tryDelete("deletePortalRole", vip)
		if got.DeletedID == nil || *got.DeletedID != vip || len(got.UserErrors) > 0 {
			t.Fatalf("deletePortalRole = %+v, want deletedId %s", got, vip)
		}
		if c.nodeExists(vip) {
			t.Errorf("node(id) of the deleted role is not null")
		}
		if roles, _ := c.portalRoles(); !slices.Equal(roleSlugs(roles), []string{"no_access", "member", "admin"}) {
			t.Errorf("portal roles = %q, want the built-ins only", roleSlugs(roles))
		}
	})
	t.Run("an unknown role is not found", func(t *testing.T) {
		t.Parallel()
		c := newClient(t)
		for _, id := range []string{db.NewID(db.PortalRolePrefix), "nope"} {
			checkUserError(t, c.tryDelete("deletePortalRole", id).UserErrors, []string{"id"}, "NOT_FOUND")
			checkUserError(t, c.tryUpdatePortalRole(id, map[string]any{"name": "X"}).UserErrors, []string{"id"}, "NOT_FOUND")
		}
	})
}

func TestContactPortalRole(t *testing.T) {
	t.Parallel()
	// Inputs are built from the ids of the workspace's roles by slug; the
	// workspace has the custom role "vip" when the case asks for it.
	tests := []struct {
		name   string
		custom bool
		input  func(ids map[string]string) map[string]any
		want   string
	}{
		{"neither gives the default role", false, func(map[string]string) map[string]any { return map[string]any{} }, "member"},
		{"portalRole picks a role by slug", false, func(map[string]string) map[string]any { return map[string]any{"portalRole": "admin"} }, "admin"},
		{"portalRole picks a custom role by slug", true, func(map[string]string) map[string]any { return map[string]any{"portalRole": "vip"} }, "vip"},
		{"portalRoleId picks a role by id", false, func(ids map[string]string) map[string]any {
			return map[string]any{"portalRoleId": ids["no_access"]}
		}, "no_access"},
		{"portalRoleId wins over portalRole", false, func(ids map[string]string) map[string]any {
			return map[string]any{"portalRoleId": ids["admin"], "portalRole": "no_access"}
		}, "admin"},
		{"portalRoleId of a custom role wins over portalRole", true, func(ids map[string]string) map[string]any {
			return map[string]any{"portalRoleId": ids["vip"], "portalRole": "admin"}
		}, "vip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t)
			if tt.custom {
				c.createPortalRole("vip", "VIP")
			}
			input := tt.input(c.portalRoleIDs())
			input["name"] = "Ada"
			got := c.CreateContact(input)
			if got.PortalRole.Slug != tt.want {
				t.Errorf("portalRole = %s, want %s", got.PortalRole.Slug, tt.want)
			}
			if readBack := c.contactByID(got.ID); readBack.PortalRole.Slug != tt.want {
				t.Errorf("read back portalRole = %s, want %s", readBack.PortalRole.Slug, tt.want)
			}
		})
	}
	t.Run("a new default applies to new contacts only", func(t *testing.T) {
		t.Parallel()
		c := newClient(t)
		before := c.CreateContact(map[string]any{"name": "Ada"})
		if got := c.tryUpdatePortalSettings(c.portalRoleIDs()["no_access"]); len(got.UserErrors) > 0 {
			t.Fatalf("updatePortalSettings: user errors %s", describeErrors(got.UserErrors))
		}
		after := c.CreateContact(map[string]any{"name": "Grace"})
		if after.PortalRole.Slug != "no_access" {
			t.Errorf("new contact's portalRole = %s, want the new default no_access", after.PortalRole.Slug)
		}
		if got := c.contactByID(before.ID); got.PortalRole.Slug != "member" {
			t.Errorf("older contact's portalRole = %s, want member kept", got.PortalRole.Slug)
		}
	})
	t.Run("a custom default applies to new contacts", func(t *testing.T) {
		t.Parallel()
		c := newClient(t)
		vip := c.createPortalRole("vip", "VIP")
		if got := c.tryUpdatePortalSettings(vip); len(got.UserErrors) > 0 {
			t.Fatalf("updatePortalSettings: user errors %s", describeErrors(got.UserErrors))
		}
		if got := c.CreateContact(map[string]any{"name": "Grace"}); got.PortalRole.Slug != "vip" {
			t.Errorf("new contact's portalRole = %s, want the new default vip", got.PortalRole.Slug)
		}
	})
	t.Run("an update changes the role by slug", func(t *testing.T) {
		t.Parallel()
		c := newClient(t)
		ada := c.CreateContact(map[string]any{"name": "Ada"})
		if got := c.mustUpdateContact(ada.ID, map[string]any{"portalRole": "admin"}); got.PortalRole.Slug != "admin" {
			t.Errorf("portalRole = %s, want admin", got.PortalRole.Slug)
		}
	})
}

// checkDeleteInUse checks that deleting the role is refused as IN_USE and
// leaves it.
func checkDeleteInUse(t *testing.T, c *client, role string) {
	t.Helper()
	got := c.tryDelete("deletePortalRole", role)
	checkUserError(t, got.UserErrors, []string{"id"}, "IN_USE")
	if !c.nodeExists(role) {
		t.Errorf("the role is gone after a refused delete")
	}
}
