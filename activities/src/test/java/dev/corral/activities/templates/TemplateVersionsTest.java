package dev.corral.activities.templates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.store.rows.TemplateRow;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Template versions order semantically, not lexically; nightlies without a version order by date.
 */
class TemplateVersionsTest {
  private static final AtomicLong IDS = new AtomicLong();

  @ParameterizedTest(name = "{0} < {1}")
  @CsvSource({
    "1.9, 1.10",
    "5.11.0.2, 5.11.0.3",
    "12.8, 12.8.1",
    "9, 10",
    "12.rc1, 12.0",
    "2.0-beta, 2.0.1",
  })
  void olderVersion_sortsBelowNewer(String older, String newer) {
    assertTrue(TemplateVersions.compare(older, newer) < 0);
    assertTrue(TemplateVersions.compare(newer, older) > 0);
  }

  @Test
  void equalVersions_compareEqual() {
    assertEquals(0, TemplateVersions.compare("12.8", "12.8"));
    assertEquals(0, TemplateVersions.compare("12.08", "12.8"), "leading zeros do not count");
  }

  @Test
  void newestTemplate_isTheHighestVersion_thenTheNewestDate_andVersionedBeatsUnversioned() {
    TemplateRow nightlyOld = template(null, LocalDate.of(2026, 11, 1));
    TemplateRow nightlyNew = template(null, LocalDate.of(2026, 11, 20));
    TemplateRow v19 = template("1.9", LocalDate.of(2026, 11, 21));
    TemplateRow v110old = template("1.10", LocalDate.of(2026, 10, 1));
    TemplateRow v110new = template("1.10", LocalDate.of(2026, 10, 2));
    List<TemplateRow> all = new ArrayList<>(List.of(v110new, nightlyNew, v19, v110old, nightlyOld));
    Collections.shuffle(all);
    all.sort(TemplateVersions.OLDEST_FIRST);
    assertEquals(List.of(nightlyOld, nightlyNew, v19, v110old, v110new), all);
    assertEquals(v110new, Collections.max(all, TemplateVersions.OLDEST_FIRST));
  }

  @Test
  void nightliesWithoutVersion_orderByDate() {
    TemplateRow a = template(null, LocalDate.of(2026, 11, 19));
    TemplateRow b = template(null, LocalDate.of(2026, 11, 20));
    assertTrue(TemplateVersions.OLDEST_FIRST.compare(a, b) < 0);
  }

  @Test
  void selectorMatches_theVersionAndVersionsUnderIt_only() {
    assertTrue(TemplateVersions.matches("12.8", "12.8"));
    assertTrue(TemplateVersions.matches("12.8", "12.8.1"));
    assertFalse(TemplateVersions.matches("12.8", "12.80"));
    assertFalse(TemplateVersions.matches("12.8", "12.7"));
    assertFalse(TemplateVersions.matches("12.8", null));
  }

  private static TemplateRow template(String version, LocalDate date) {
    long id = IDS.incrementAndGet();
    return new TemplateRow(
        id,
        "t" + id,
        "sim",
        "g",
        version,
        date,
        false,
        true,
        false,
        null,
        null,
        TemplateRow.FROM_TRACKER,
        TemplateRow.READY,
        null,
        null,
        null);
  }
}
