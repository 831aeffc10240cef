package dev.corral.activities.provider.vsphere.vim;

/**
 * A vim25 fault: a SOAP fault of a call, or the error a task ended with. {@code type} is vSphere's
 * fault type ({@code NotAuthenticated}, {@code InvalidLogin}, {@code DuplicateName}, {@code
 * ManagedObjectNotFound}, {@code InvalidPowerState}, ...), which decides what a caller does; the
 * message is for people.
 */
public final class VimFault extends RuntimeException {
  public static final String NOT_AUTHENTICATED = "NotAuthenticated";
  public static final String INVALID_LOGIN = "InvalidLogin";
  public static final String MANAGED_OBJECT_NOT_FOUND = "ManagedObjectNotFound";
  public static final String DUPLICATE_NAME = "DuplicateName";

  private final String type;

  public VimFault(String type, String message) {
    super(type + ": " + message);
    this.type = type;
  }

  public String type() {
    return type;
  }

  public boolean is(String faultType) {
    return faultType.equals(type);
  }
}
