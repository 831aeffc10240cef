-- When the reconciler last compared each VM with its provider, moved out of the vm row (V12's vm.checked_at).
-- Marking VMs checked updated their vm rows, up to 500 in one transaction, and a lease claim (SELECT ... FOR
-- UPDATE SKIP LOCKED over the pool's ready rows) skips every row another transaction holds: while a reconcile-now
-- marked a chunk holding all of a pool's ready VMs, leases of that pool were answered 503 with every VM ready.
-- These rows are the reconciler's alone, so its bookkeeping never locks a row a claim wants. No foreign key to
-- vm on purpose: checking it would take a shared lock on the vm row, the very conflict this table avoids (vm rows
-- are never deleted, so no row here is left dangling).
CREATE TABLE vm_check (
  vm_id       BIGINT       NOT NULL,
  checked_at  DATETIME(3)  NOT NULL,
  PRIMARY KEY (vm_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO vm_check (vm_id, checked_at) SELECT id, checked_at FROM vm WHERE checked_at IS NOT NULL;

ALTER TABLE vm
  DROP KEY idx_vm_provider_checked,
  DROP COLUMN checked_at;
