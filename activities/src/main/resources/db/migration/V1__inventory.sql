-- Corral's inventory. The database is the source of truth for providers, templates, pools, VMs and
-- leases; Temporal only carries the slow work. All times are UTC, written by the application.

CREATE TABLE provider (
  name                  VARCHAR(64)  NOT NULL,
  type                  VARCHAR(32)  NOT NULL,
  max_vms               INT          NOT NULL,
  max_concurrent_clones INT          NOT NULL,
  active                TINYINT(1)   NOT NULL DEFAULT 1,
  updated_at            DATETIME(3)  NOT NULL,
  PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE template (
  id         BIGINT       NOT NULL AUTO_INCREMENT,
  name       VARCHAR(128) NOT NULL,
  provider   VARCHAR(64)  NOT NULL,
  state      VARCHAR(16)  NOT NULL,
  created_at DATETIME(3)  NOT NULL,
  updated_at DATETIME(3)  NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uk_template_provider_name (provider, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE pool (
  name           VARCHAR(64)  NOT NULL,
  template       VARCHAR(128) NOT NULL,
  size           INT          NOT NULL,
  ready_ttl_s    BIGINT       NOT NULL,
  boot_timeout_s BIGINT       NOT NULL,
  max_tries      INT          NOT NULL,
  lifetime_s     BIGINT       NOT NULL,
  max_lifetime_s BIGINT       NOT NULL,
  -- 0 once the pool left the config: its shepherd drains it, leased VMs stay until released.
  active         TINYINT(1)   NOT NULL DEFAULT 1,
  updated_at     DATETIME(3)  NOT NULL,
  PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE pool_alias (
  alias VARCHAR(64) NOT NULL,
  pool  VARCHAR(64) NOT NULL,
  PRIMARY KEY (alias),
  KEY idx_pool_alias_pool (pool)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE pool_provider (
  pool     VARCHAR(64) NOT NULL,
  provider VARCHAR(64) NOT NULL,
  position INT         NOT NULL,
  PRIMARY KEY (pool, provider)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE lease (
  id         VARCHAR(36)  NOT NULL,
  state      VARCHAR(16)  NOT NULL,  -- active, released, expired
  owner      VARCHAR(128) NULL,
  created_at DATETIME(3)  NOT NULL,
  expires_at DATETIME(3)  NOT NULL,
  ended_at   DATETIME(3)  NULL,
  end_reason VARCHAR(255) NULL,
  PRIMARY KEY (id),
  KEY idx_lease_state_expires (state, expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE vm (
  id             BIGINT        NOT NULL AUTO_INCREMENT,
  name           VARCHAR(64)   NOT NULL,
  pool           VARCHAR(64)   NOT NULL,
  provider       VARCHAR(64)   NOT NULL,
  template       VARCHAR(128)  NOT NULL,
  -- provisioning -> ready -> leased -> destroying -> destroyed; provisioning -> failed
  state          VARCHAR(16)   NOT NULL,
  hostname       VARCHAR(255)  NULL,
  ip             VARCHAR(64)   NULL,
  ports          VARCHAR(1024) NULL,
  attempts       INT           NOT NULL DEFAULT 0,
  failure_reason VARCHAR(1024) NULL,
  retire_reason  VARCHAR(255)  NULL,
  lease_id       VARCHAR(36)   NULL,
  created_at     DATETIME(3)   NOT NULL,
  ready_at       DATETIME(3)   NULL,
  leased_at      DATETIME(3)   NULL,
  destroying_at  DATETIME(3)   NULL,
  ended_at       DATETIME(3)   NULL,
  updated_at     DATETIME(3)   NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uk_vm_name (name),
  -- The lease claim walks this index from the oldest ready VM, so its cost does not grow with the pool.
  KEY idx_vm_pool_state_ready (pool, state, ready_at),
  KEY idx_vm_provider_state (provider, state),
  KEY idx_vm_lease (lease_id),
  KEY idx_vm_state_updated (state, updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
