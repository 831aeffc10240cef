package dev.corral.config;

/**
 * Something that keeps part of the config in memory and takes a new one while Corral runs. Called
 * once per reload, after the database has the new pools, with the whole config it should run with
 * from now on (see {@link ConfigReload}); each takes only the part it uses. Requests under way
 * finish with the old value.
 */
public interface Reloadable {
  void reload(CorralConfig config);
}
