package dev.corral.activities.temporal;

import dev.corral.activities.store.Db;
import dev.corral.activities.store.PoolMapper;
import dev.corral.activities.store.rows.PoolRow;

/**
 * Wakes the shepherds when templates changed (a prepared template became ready, a build turned
 * unusable), so pools switch templates at once instead of on their next timer. Nudges are coalesced
 * per pool, so waking every pool costs little.
 */
public final class TemplateChanges {
  /** For tests and tools that run without shepherds. */
  public static final TemplateChanges NONE = new TemplateChanges(null, null);

  private final Db db;
  private final ShepherdNudger nudger;

  public TemplateChanges(Db db, ShepherdNudger nudger) {
    this.db = db;
    this.nudger = nudger;
  }

  public void happened() {
    if (nudger == null) {
      return;
    }
    db.inTransaction(s -> s.getMapper(PoolMapper.class).selectAll()).stream()
        .filter(PoolRow::active)
        .forEach(pool -> nudger.vmChanged(pool.name()));
  }
}
