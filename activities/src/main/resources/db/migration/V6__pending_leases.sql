-- Pending leases: leases that wait for VMs. The lease itself is a `lease` row in state 'pending'
-- (expires_at holds the wait deadline until the lease is filled) that becomes 'active' when it holds
-- every VM it asked for, 'failed' when its wait runs out, or 'cancelled'. Its VMs are held as
-- state 'leased' with its lease_id, so ordinary claims cannot take them.

CREATE TABLE lease_wait (
  lease_id    VARCHAR(36)   NOT NULL,
  wait_until  DATETIME(3)   NOT NULL,
  lifetime_s  BIGINT        NOT NULL,   -- the lifetime the lease gets once it is filled
  request_id  VARCHAR(128)  NULL,       -- the client's idempotency key (vmpooler's request_id)
  origin      VARCHAR(16)   NOT NULL,   -- v1 or vmpooler: which API created it
  fail_reason VARCHAR(1024) NULL,
  PRIMARY KEY (lease_id),
  UNIQUE KEY uk_lease_wait_request (request_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- What a pending lease asked for, one row per name the client used (a pool or an alias), in order.
CREATE TABLE lease_demand (
  lease_id        VARCHAR(36) NOT NULL,
  position        INT         NOT NULL,
  alias_requested VARCHAR(64) NOT NULL,
  pool            VARCHAR(64) NOT NULL,
  wanted          INT         NOT NULL,
  PRIMARY KEY (lease_id, position),
  KEY idx_lease_demand_pool (pool)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
