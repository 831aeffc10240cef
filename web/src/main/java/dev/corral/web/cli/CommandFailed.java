package dev.corral.web.cli;

/**
 * The command ran but did not get what it asked for: the server refused (its own message is this
 * one's), it could not be reached, or a config has problems. Printed as one message; the exit
 * status is 1.
 */
final class CommandFailed extends Exception {
  private static final long serialVersionUID = 1L;

  CommandFailed(String message) {
    super(message);
  }
}
