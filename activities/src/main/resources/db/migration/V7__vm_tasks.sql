-- VM tasks: snapshots, reverts and extra disks asked for on a leased VM. Each is carried out by one
-- Temporal workflow (vm-task/<id>); a VM's tasks run one at a time, in seq order, which the workflows
-- decide under the VM row's lock. A VM's snapshots are its done snapshot tasks, its disks its done disk tasks.

CREATE TABLE vm_task (
  id             CHAR(32)      NOT NULL,  -- 32 lowercase letters and digits; a snapshot's id is its task's id
  seq            BIGINT        NOT NULL AUTO_INCREMENT,  -- the order tasks were asked in
  vm             VARCHAR(64)   NOT NULL,
  -- the lease the VM was under when the task was asked: the task fails, untouched, once the VM leaves it
  lease_id       VARCHAR(36)   NOT NULL,
  kind           VARCHAR(16)   NOT NULL,  -- snapshot, revert, disk
  argument       VARCHAR(64)   NULL,      -- revert: the snapshot id; disk: the size in GB; snapshot: none
  state          VARCHAR(16)   NOT NULL,  -- queued, running, done, failed
  failure_reason VARCHAR(1024) NULL,
  requested_by   VARCHAR(128)  NULL,      -- the user who asked; NULL without auth or anonymous
  requested_at   DATETIME(3)   NOT NULL,
  started_at     DATETIME(3)   NULL,
  ended_at       DATETIME(3)   NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uk_vm_task_seq (seq),
  KEY idx_vm_task_vm_seq (vm, seq),
  KEY idx_vm_task_state (state)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
