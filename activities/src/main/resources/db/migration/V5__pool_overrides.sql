-- Pool overrides set through the API (vmpooler's config/poolsize and config/pooltemplate) and the clone
-- timestamp the boot and clone statistics need (issue 4 §1).

-- NULL means "as configured". The config sync writes size and template only, so an override survives
-- restarts until it is deleted through the API.
ALTER TABLE pool
  ADD COLUMN size_override     INT          NULL AFTER size,
  ADD COLUMN template_override VARCHAR(128) NULL AFTER template_prepared;

-- clone = created_at -> cloned_at, boot = cloned_at -> ready_at. NULL for VMs cloned before this column.
ALTER TABLE vm
  ADD COLUMN cloned_at DATETIME(3) NULL AFTER created_at,
  -- the summary and status read durations by the day a VM became ready
  ADD KEY idx_vm_ready_at (ready_at);
