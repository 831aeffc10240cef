-- Template groups, template builds and the preparation chain's record (issue 3).

CREATE TABLE template_group (
  name          VARCHAR(64) NOT NULL,
  obsolete_days INT         NOT NULL,
  keep_prepared INT         NOT NULL,
  -- the configure step's settings, JSON object of strings
  configure     TEXT        NULL,
  active        TINYINT(1)  NOT NULL DEFAULT 1,
  updated_at    DATETIME(3) NOT NULL,
  PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- A template is one build on one provider. Raw builds come from the tracker or the provider's listing;
-- prepared ones are made by a build (build_id) from a raw parent (parent_id).
-- state: discovered, preparing, ready, failed, unusable, obsolete, deleted
ALTER TABLE template
  ADD COLUMN template_group VARCHAR(64)  NULL AFTER provider,
  ADD COLUMN version        VARCHAR(64)  NULL AFTER template_group,
  ADD COLUMN build_date     DATE         NULL AFTER version,
  ADD COLUMN ga             TINYINT(1)   NOT NULL DEFAULT 0 AFTER build_date,
  ADD COLUMN usable         TINYINT(1)   NOT NULL DEFAULT 1 AFTER ga,
  ADD COLUMN prepared       TINYINT(1)   NOT NULL DEFAULT 0 AFTER usable,
  ADD COLUMN parent_id      BIGINT       NULL AFTER prepared,
  ADD COLUMN build_id       BIGINT       NULL AFTER parent_id,
  -- tracker, provider or config: where Corral learned of it
  ADD COLUMN origin         VARCHAR(16)  NOT NULL DEFAULT 'config' AFTER build_id,
  ADD COLUMN state_reason   VARCHAR(255) NULL AFTER state,
  ADD KEY idx_template_group_state (template_group, state),
  ADD KEY idx_template_parent (parent_id);

-- A pool takes a fixed template (template) or the newest one a selector picks (template_group ...).
ALTER TABLE pool
  MODIFY COLUMN template VARCHAR(128) NULL,
  ADD COLUMN template_group    VARCHAR(64) NULL AFTER template,
  ADD COLUMN template_version  VARCHAR(64) NULL AFTER template_group,
  ADD COLUMN template_prepared TINYINT(1)  NOT NULL DEFAULT 0 AFTER template_version;

ALTER TABLE provider
  ADD COLUMN max_concurrent_builds INT NOT NULL DEFAULT 1 AFTER max_concurrent_clones;

-- One preparation build. state: queued, running, succeeded, failed, cancelled.
CREATE TABLE build (
  id                 BIGINT        NOT NULL AUTO_INCREMENT,
  template_group     VARCHAR(64)   NOT NULL,
  provider           VARCHAR(64)   NOT NULL,
  source_template_id BIGINT        NOT NULL,
  state              VARCHAR(16)   NOT NULL,
  step               VARCHAR(32)   NULL,
  error              VARCHAR(2048) NULL,
  workflow_id        VARCHAR(255)  NOT NULL,
  vm_name            VARCHAR(64)   NOT NULL,
  result_name        VARCHAR(128)  NOT NULL,
  result_template_id BIGINT        NULL,
  retry_of           BIGINT        NULL,
  created_at         DATETIME(3)   NOT NULL,
  started_at         DATETIME(3)   NULL,
  ended_at           DATETIME(3)   NULL,
  updated_at         DATETIME(3)   NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uk_build_vm (vm_name),
  KEY idx_build_provider_state (provider, state, id),
  KEY idx_build_source (source_template_id),
  KEY idx_build_group_state (template_group, state)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Each step of a build as it ran. state: running, succeeded, failed, skipped.
CREATE TABLE build_step (
  build_id   BIGINT        NOT NULL,
  seq        INT           NOT NULL,
  name       VARCHAR(32)   NOT NULL,
  state      VARCHAR(16)   NOT NULL,
  attempts   INT           NOT NULL DEFAULT 0,
  started_at DATETIME(3)   NOT NULL,
  ended_at   DATETIME(3)   NULL,
  error      VARCHAR(2048) NULL,
  PRIMARY KEY (build_id, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
