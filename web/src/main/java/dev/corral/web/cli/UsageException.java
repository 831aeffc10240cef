package dev.corral.web.cli;

/**
 * The command line itself is wrong (unknown option, missing argument): usage is printed and the
 * exit status is 2.
 */
final class UsageException extends Exception {
  private static final long serialVersionUID = 1L;

  UsageException(String message) {
    super(message);
  }
}
