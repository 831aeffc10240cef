-- One row per lease owner that has a quota. Every transaction that checks a quota (a claim batch, a new
-- pending lease) first locks its owners' rows here, in owner order, so that two checks of the same owner
-- (two request threads, or two Corral instances) run one after the other instead of both seeing room.
CREATE TABLE quota_lock (
  owner VARCHAR(128) NOT NULL PRIMARY KEY
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
