package dev.corral.web.auth;

import java.util.List;

/**
 * Who sent a request, as the auth filter resolved it. With {@code auth.mode: none} every request is
 * {@link #OPEN}: there are no users, so nothing is anyone's and every action is allowed.
 *
 * @param user the user name, or null for a request without credentials
 * @param groups the user's groups (quotas, provider restrictions)
 * @param admin whether the caller may act on everything (config writes, other users' leases and
 *     tokens)
 * @param tokenId the id of the token the request came with, or null (HTTP Basic, or no credentials)
 */
public record Caller(String user, List<String> groups, boolean admin, Long tokenId) {
  /** auth.mode none: nobody is identified and nothing is protected. */
  public static final Caller OPEN = new Caller(null, List.of(), true, null);

  /** auth.mode tokens, no credentials sent. */
  public static final Caller ANONYMOUS = new Caller(null, List.of(), false, null);

  public Caller {
    groups = List.copyOf(groups);
  }

  public boolean anonymous() {
    return user == null;
  }

  /**
   * Whether this caller may change (extend, tag, snapshot, release) something owned by {@code
   * owner}. Things without an owner were taken anonymously and may be handled by anyone, as in
   * vmpooler.
   */
  public boolean mayManage(String owner) {
    return admin || owner == null || owner.equals(user);
  }
}
