-- A waiting lease by build that named a provider takes (and gets cloned) VMs of its template on that
-- provider only; NULL: on any provider of the pool holding the template.
ALTER TABLE lease_demand ADD COLUMN provider VARCHAR(64) NULL AFTER template;
