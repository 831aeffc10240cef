-- API tokens (auth.mode tokens). Only the SHA-256 of a token is kept: a copy of this table (a backup,
-- a dump in a bug report) gives nobody a usable token. Tokens are high-entropy random strings, so a
-- plain unsalted hash is enough and lets a request find its token with one indexed read.
CREATE TABLE auth_token (
  id           BIGINT      NOT NULL AUTO_INCREMENT,
  token_hash   CHAR(64)    NOT NULL,  -- lower-case hex SHA-256 of the token
  owner        VARCHAR(64) NOT NULL,
  created_at   DATETIME(3) NOT NULL,
  expires_at   DATETIME(3) NULL,      -- NULL: never expires
  -- Written at most once a minute per token, so using a token does not cost a write per request.
  last_used_at DATETIME(3) NULL,
  revoked_at   DATETIME(3) NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uk_auth_token_hash (token_hash),
  KEY idx_auth_token_owner (owner)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
