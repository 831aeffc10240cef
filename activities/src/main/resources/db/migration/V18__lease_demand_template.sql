-- A waiting lease by build (POST /v1/leases with a template and a wait) asks a pool for VMs of one template:
-- the pool clones its current template, which is that build, and the lease takes only VMs of it, never a
-- ready VM of the pool's previous template that a rollover has not retired yet. NULL: any VM of the pool.
ALTER TABLE lease_demand ADD COLUMN template VARCHAR(128) NULL AFTER pool;
