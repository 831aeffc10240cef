package dev.corral.activities.provider.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SerialLogTest {
  @TempDir Path dir;

  @Test
  void readyMarkerStillBeingWritten_isNotReadYet() throws Exception {
    Path log = dir.resolve("serial.log");
    Files.writeString(log, "booting\r\nREADY 1.2.3 corr", StandardCharsets.ISO_8859_1);

    assertTrue(SerialLog.ready(log).isEmpty(), "half a READY line must wait for the rest of it");

    Files.writeString(
        log, "booting\r\nREADY 1.2.3 corral-abc uptime=6.12\nlogin: ", StandardCharsets.ISO_8859_1);
    assertEquals(
        new SerialLog.ReadyMarker("1.2.3", "corral-abc"), SerialLog.ready(log).orElseThrow());
  }

  @Test
  void readyMarkerWithoutUptime_andWithCarriageReturn_isRead() throws Exception {
    Path log = dir.resolve("serial.log");
    Files.writeString(log, "READY 2.0 corral-xyz\r\n", StandardCharsets.ISO_8859_1);

    assertEquals(
        new SerialLog.ReadyMarker("2.0", "corral-xyz"), SerialLog.ready(log).orElseThrow());
  }
}
