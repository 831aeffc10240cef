-- A request_id (the client's idempotency key for a pending lease, vmpooler's on-demand request_id) was
-- unique across all users: whoever used 'ci-build-4711' first blocked everyone else's request with that id,
-- and the other users could poll and cancel theirs by it. Each owner now has their own request ids.
-- request_owner is the lease's owner, '' for anonymous requests (one shared space, as anonymous leases may
-- be handled by anyone): not NULL, because a unique key lets any number of NULLs through.
ALTER TABLE lease_wait ADD COLUMN request_owner VARCHAR(128) NOT NULL DEFAULT '' AFTER request_id;

UPDATE lease_wait w JOIN lease l ON l.id = w.lease_id SET w.request_owner = COALESCE(l.owner, '');

ALTER TABLE lease_wait
  DROP KEY uk_lease_wait_request,
  ADD UNIQUE KEY uk_lease_wait_owner_request (request_owner, request_id);
