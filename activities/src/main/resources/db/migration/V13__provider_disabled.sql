-- An operator takes a provider out of placement (maintenance, a hypervisor to drain): no new clones or template
-- builds go there while disabled_reason is set; its VMs stay, and leases of them go on. Kept in the database, not
-- the config, so every instance sees it at once and it survives restarts and config reloads.
ALTER TABLE provider
  ADD COLUMN disabled_reason VARCHAR(255) NULL AFTER active,
  ADD COLUMN disabled_by     VARCHAR(64)  NULL AFTER disabled_reason,
  ADD COLUMN disabled_at     DATETIME(3)  NULL AFTER disabled_by;
