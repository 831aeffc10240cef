package dev.corral.config;

import static dev.corral.config.TestConfigs.failure;
import static dev.corral.config.TestConfigs.load;
import static dev.corral.config.TestConfigs.problemAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** auth, quotas and a pool's leasing keys (issue 4). */
class AccessConfigTest {
  static final String BCRYPT = "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW";

  static final String ISSUE_YAML =
      """
      auth:
        mode: tokens
        token_ttl: 30d
        users:
          - {name: alice, password: alice-pw, groups: [qa]}
          - {name: root, password_hash: "%s", admin: true}
      quotas:
        per_user: {max_vms: 10}
        groups: {qa: {max_vms: 20, providers: [sim]}}
      pools:
        - name: debian
          template: debian-12
          anonymous: true
          lifetime_authenticated: 8h
          max_lifetime: 48h
          max_ondemand_per_request: 5
          reuse: same_owner
      """
          .formatted(BCRYPT);

  @Test
  void theIssuesExampleLoadsIntoTheRecords() {
    CorralConfig c = load(ISSUE_YAML);

    assertEquals(AuthConfig.Mode.TOKENS, c.auth().mode());
    assertEquals(Duration.ofDays(30), c.auth().tokenTtl());
    assertEquals(
        new UserConfig("alice", "alice-pw", null, List.of("qa"), false), c.auth().users().get(0));
    assertEquals(new UserConfig("root", null, BCRYPT, List.of(), true), c.auth().users().get(1));
    assertEquals(10, c.quotas().perUser().maxVms());
    QuotaConfig.Limit qa = c.quotas().groups().get("qa");
    assertEquals(20, qa.maxVms());
    assertEquals(List.of("sim"), qa.providers());
    PoolConfig pool = c.pools().get(0);
    assertTrue(pool.leasing().anonymous());
    assertEquals(Duration.ofHours(8), pool.lifetimeAuthenticated());
    assertEquals(5, pool.leasing().maxOndemandPerRequest());
    assertEquals(PoolLeasing.Reuse.SAME_OWNER, pool.leasing().reuse());
  }

  @Test
  void withoutTheSections_authIsOffAndNothingIsLimited() {
    CorralConfig c = load("pools: [{name: p, template: t}]");

    assertFalse(c.auth().tokens());
    assertNull(c.quotas().perUser().maxVms());
    assertEquals(PoolLeasing.DEFAULT, c.pools().get(0).leasing());
    assertEquals(c.pools().get(0).lifetime(), c.pools().get(0).lifetimeAuthenticated());
  }

  @Test
  void mistakesAreAllReported_withTheirKeys_andNoSecretIsEchoed() {
    ConfigException e =
        failure(
            """
        auth:
          mode: ldapish
          users:
            - {name: alice, password: a, password_hash: "$2b$xx"}
            - {name: bob, password_hash: "my-secret-password"}
            - {name: bob, password: b}
            - {name: carol}
        quotas:
          per_user: {max_vms: -1, pools: {nope: 1}}
          groups: {qa: {providers: [mars]}}
        pools:
          - {name: p, template: t, reuse: always, lifetime_authenticated: 99h, max_lifetime: 48h}
        """);

    assertTrue(problemAt(e, "auth.mode").message().contains("none or tokens"));
    assertTrue(problemAt(e, "auth.users[0].password_hash").message().contains("exactly one"));
    assertTrue(problemAt(e, "auth.users[1].password_hash").message().contains("bcrypt"));
    assertFalse(e.getMessage().contains("my-secret-password"), e.getMessage());
    assertTrue(problemAt(e, "auth.users[2].name").message().contains("duplicate"));
    assertTrue(problemAt(e, "auth.users[3].name").message().contains("exactly one"));
    assertTrue(problemAt(e, "quotas.per_user.max_vms").message().contains("0"));
    assertTrue(problemAt(e, "quotas.per_user.pools.nope").message().contains("unknown pool"));
    assertTrue(
        problemAt(e, "quotas.groups.qa.providers[0]")
            .message()
            .contains("unknown provider 'mars'"));
    assertTrue(problemAt(e, "pools[0].reuse").message().contains("same_owner"));
    assertTrue(
        problemAt(e, "pools[0].lifetime_authenticated").message().contains("exceeds max_lifetime"));
  }

  @Test
  void tokensWithoutUsers_isAnError() {
    ConfigException e = failure("auth: {mode: tokens}\n");

    assertTrue(problemAt(e, "auth.mode").message().contains("at least one user"));
  }

  @Test
  void unknownKeysUnderAUser_areNamed() {
    ConfigException e = failure("auth: {users: [{name: a, password: b, role: admin}]}\n");

    assertTrue(
        problemAt(e, "auth.users[0].role").message().toLowerCase().contains("unknown"),
        e.getMessage());
  }
}
