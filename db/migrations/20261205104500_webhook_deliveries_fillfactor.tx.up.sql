-- A delivery's row is written three times: inserted with its event, marked
-- handed over by the relay, then given its attempt's outcome by a worker.
-- Pages filled to the brim move each new version to another page, adding
-- an entry to each of the table's indexes; pages half filled keep the
-- worker's update on the same page, a heap-only update that touches no
-- index (its columns are in none). make bench-webhooks measured the
-- worker's UPDATE at 0.5 ms instead of 1.3 ms.
ALTER TABLE webhook_deliveries SET (fillfactor = 50);
