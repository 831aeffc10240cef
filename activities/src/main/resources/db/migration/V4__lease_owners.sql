-- Leases for real users (issue 4): who holds a lease, its tags, and where it came from.
ALTER TABLE lease
  -- JSON object of tag name to value, as the user set them; NULL for none
  ADD COLUMN tags       TEXT        NULL AFTER owner,
  -- the request the lease came from: one vmpooler checkout makes one lease per VM, all with its id
  ADD COLUMN request_id VARCHAR(64) NULL AFTER tags,
  -- v1 (native API), vmpooler (/api/v3 checkout) or ondemand
  ADD COLUMN origin     VARCHAR(16) NOT NULL DEFAULT 'v1' AFTER request_id,
  ADD KEY idx_lease_owner_state (owner, state),
  ADD KEY idx_lease_request (request_id);
