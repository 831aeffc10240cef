-- A pool's VM shape: guest memory and virtual CPUs for providers that size VMs themselves (qemu). NULL means
-- the provider's own default (providers.NAME.memory_mb / cpus).
ALTER TABLE pool
  ADD COLUMN memory_mb INT NULL AFTER max_lifetime_s,
  ADD COLUMN cpus INT NULL AFTER memory_mb;
