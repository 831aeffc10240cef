-- vmpooler's config/clonetarget: an API override that makes a pool clone on one of its providers only.
-- NULL means "all the pool's providers, as configured". The config sync never writes it, so it survives
-- restarts until it is deleted through the API.
ALTER TABLE pool
  ADD COLUMN clone_target_override VARCHAR(128) NULL AFTER template_override;
