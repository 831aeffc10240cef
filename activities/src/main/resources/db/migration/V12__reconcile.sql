-- The reconciler (issue 6 part 1). Each tick checks the VMs of a provider not checked within reconcile.window,
-- oldest-checked first (never-checked ones before all), so every live VM is compared with its provider once per
-- window at a flat rate of provider calls.
ALTER TABLE vm
  ADD COLUMN checked_at DATETIME(3) NULL AFTER updated_at,
  ADD KEY idx_vm_provider_checked (provider, checked_at);

-- VMs in Corral's name scope that a provider runs and the database does not know. The first sighting is only
-- recorded; a VM still unknown at a later inventory listing (at least one tick after the first) is destroyed
-- (Nodepool's two-sighting rule), unless purge.allowlist matches it or purge.dry_run is on. A row is removed once
-- a listing no longer shows the VM as unknown.
CREATE TABLE vm_sighting (
  provider       VARCHAR(64)  NOT NULL,
  name           VARCHAR(255) NOT NULL,
  first_seen_at  DATETIME(3)  NOT NULL,
  last_seen_at   DATETIME(3)  NOT NULL,
  sightings      INT          NOT NULL,
  PRIMARY KEY (provider, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
