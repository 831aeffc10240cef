-- Reuse for the same owner (pools with reuse: same_owner, like resalloc's sandbox reuse). A VM whose
-- lease is released goes to 'cleaning' (the provider's cleanup hook runs in its VM workflow), then
-- 'reusable': held for the lease's owner until reusable_until, when it is destroyed unless that owner
-- leased it again. Other owners never get it. Expired leases' VMs are destroyed as before.
--   ... -> leased -> cleaning -> reusable -> leased -> ... ; cleaning/reusable -> destroying
-- No new index: the claim finds an owner's reusable VMs on idx_vm_pool_state_ready (pool, 'reusable'),
-- which holds few rows, and a new index over state would cost every claim an index write.
ALTER TABLE vm
  -- the owner a cleaning or reusable VM is held for; NULL in every other state
  ADD COLUMN reserved_for    VARCHAR(128) NULL AFTER lease_id,
  -- how many leases the VM was handed to (counted by the claim; a pending lease that gives its held
  -- VMs back uncounts them)
  ADD COLUMN uses            INT          NOT NULL DEFAULT 0 AFTER reserved_for,
  -- the start of its first lease (recorded at its first release for reuse): reuse stops reuse_within after it
  ADD COLUMN first_leased_at DATETIME(3)  NULL AFTER leased_at,
  -- a reusable VM not leased again by then is destroyed (its VM workflow's timer; the shepherd backs it up)
  ADD COLUMN reusable_until  DATETIME(3)  NULL AFTER first_leased_at;
