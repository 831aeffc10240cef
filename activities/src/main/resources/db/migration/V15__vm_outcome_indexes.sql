-- The circuit breaker reads a provider's last few VM outcomes (ready, or failed) on every placement. Through
-- (provider, state) that read walked every VM the provider ever had and sorted them: at 25 VMs a second it grew
-- by ~1,500 rows a minute and took a third of the database's CPU within an hour. With these two indexes each
-- half of the read stops after the few rows it returns, however many VMs came and went.
-- (provider, state, ended_at) keeps serving what (provider, state) served, so that one goes.
ALTER TABLE vm
  ADD KEY idx_vm_provider_ready (provider, ready_at),
  ADD KEY idx_vm_provider_state_ended (provider, state, ended_at),
  DROP KEY idx_vm_provider_state;
