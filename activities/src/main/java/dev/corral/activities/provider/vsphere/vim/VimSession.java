package dev.corral.activities.provider.vsphere.vim;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.w3c.dom.Element;

/**
 * One logged-in vim25 session (one cookie). A call that finds the session expired (the server's
 * idle timeout, a vCenter restart, an operator ending it) logs in again and is made once more, so
 * an expired session never fails a clone. Calls may come from several threads; logging in is
 * serialised.
 */
public final class VimSession implements AutoCloseable {
  /** The managed objects of the service content that calls start from. */
  public record ServiceContent(
      ManagedObject rootFolder,
      ManagedObject propertyCollector,
      ManagedObject searchIndex,
      ManagedObject sessionManager) {}

  private static final ManagedObject SERVICE_INSTANCE =
      new ManagedObject("ServiceInstance", "ServiceInstance");

  private static final Duration TASK_POLL = Duration.ofMillis(250);

  private final SoapTransport transport;
  private final String user;
  private final String password;
  private volatile String cookie;
  private volatile ServiceContent content;
  private volatile int logins;

  public VimSession(SoapTransport transport, String user, String password) {
    this.transport = transport;
    this.user = user;
    this.password = password;
  }

  /** Logs in unless a session is open. */
  public synchronized ServiceContent login() throws IOException {
    if (cookie != null && content != null) {
      return content;
    }
    Element sc =
        transport
            .call(
                "<RetrieveServiceContent xmlns=\"urn:vim25\">"
                    + SERVICE_INSTANCE.xml("_this")
                    + "</RetrieveServiceContent>",
                null)
            .response();
    Element returnval = VimXml.child(sc, "returnval").orElseThrow();
    ServiceContent found =
        new ServiceContent(
            reference(returnval, "rootFolder"),
            reference(returnval, "propertyCollector"),
            reference(returnval, "searchIndex"),
            reference(returnval, "sessionManager"));
    SoapTransport.Reply login =
        transport.call(
            "<Login xmlns=\"urn:vim25\">"
                + found.sessionManager().xml("_this")
                + VimXml.element("userName", user)
                + VimXml.element("password", password)
                + "</Login>",
            null);
    cookie =
        login
            .setCookie()
            .orElseThrow(() -> new IOException("vCenter set no session cookie at login"));
    content = found;
    logins++;
    return found;
  }

  /** How often this session logged in: 1 until a session expired. */
  public int logins() {
    return logins;
  }

  public ServiceContent content() throws IOException {
    return login();
  }

  /**
   * Calls {@code method} on {@code target} with {@code params} (request XML after {@code _this})
   * and returns its response element; an expired session is renewed once.
   */
  public Element invoke(String method, ManagedObject target, String params) throws IOException {
    String body =
        "<" + method + " xmlns=\"urn:vim25\">" + target.xml("_this") + params + "</" + method + ">";
    login();
    String used = cookie;
    try {
      return transport.call(body, used).response();
    } catch (VimFault f) {
      if (!f.is(VimFault.NOT_AUTHENTICATED)) {
        throw f;
      }
      expired(used);
      login();
      return transport.call(body, cookie).response();
    }
  }

  /** Forgets the session that expired, unless another thread already logged in again. */
  private synchronized void expired(String used) {
    if (used != null && used.equals(cookie)) {
      cookie = null;
    }
  }

  /** The object at {@code path} ({@code DC0/vm/pool-a/corral-x}), or empty. */
  public Optional<ManagedObject> findByInventoryPath(String path) throws IOException {
    Element r =
        invoke(
            "FindByInventoryPath", content().searchIndex(), VimXml.element("inventoryPath", path));
    return VimXml.child(r, "returnval").map(VimXml::reference);
  }

  /**
   * The properties {@code paths} of {@code object}, by path; a property the object does not have
   * set is absent. Property reads are allowed without a session and report an expired one per
   * property instead of as a fault: that too renews the session once.
   */
  public Map<String, Element> properties(ManagedObject object, String... paths) throws IOException {
    StringBuilder spec = new StringBuilder("<specSet><propSet>");
    spec.append(VimXml.element("type", object.type()));
    for (String path : paths) {
      spec.append(VimXml.element("pathSet", path));
    }
    spec.append("</propSet><objectSet>")
        .append(object.xml("obj"))
        .append("<skip>false</skip></objectSet></specSet><options/>");
    for (int attempt = 0; ; attempt++) {
      String used = cookie;
      Element r = invoke("RetrievePropertiesEx", content().propertyCollector(), spec.toString());
      Map<String, Element> values = new LinkedHashMap<>();
      boolean notAuthenticated = false;
      for (Element objects :
          VimXml.child(r, "returnval")
              .map(v -> VimXml.children(v, "objects"))
              .orElse(java.util.List.of())) {
        for (Element prop : VimXml.children(objects, "propSet")) {
          values.put(VimXml.text(prop, "name").orElse(""), VimXml.child(prop, "val").orElseThrow());
        }
        for (Element missing : VimXml.children(objects, "missingSet")) {
          String fault =
              VimXml.child(missing, "fault")
                  .flatMap(f -> VimXml.child(f, "fault"))
                  .flatMap(VimXml::xsiType)
                  .orElse("");
          notAuthenticated |= VimFault.NOT_AUTHENTICATED.equals(fault);
        }
      }
      if (!notAuthenticated) {
        return values;
      }
      if (attempt > 0) {
        throw new VimFault(VimFault.NOT_AUTHENTICATED, "a new session is refused too");
      }
      expired(used == null ? cookie : used);
    }
  }

  /**
   * Waits for {@code task} to end and returns its result element (empty for a task without one).
   *
   * @throws VimFault the task's error, of its fault type
   * @throws IOException the task did not end within {@code timeout}
   */
  public Optional<Element> awaitTask(ManagedObject task, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Map<String, Element> info = properties(task, "info.state", "info.result", "info.error");
      String state = info.containsKey("info.state") ? info.get("info.state").getTextContent() : "";
      if ("success".equals(state)) {
        return Optional.ofNullable(info.get("info.result"));
      }
      if ("error".equals(state)) {
        Element error = info.get("info.error");
        String type =
            error == null
                ? "TaskFailed"
                : VimXml.child(error, "fault").flatMap(VimXml::xsiType).orElse("TaskFailed");
        String message = error == null ? "" : VimXml.text(error, "localizedMessage").orElse(type);
        throw new VimFault(type, message);
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("task " + task.value() + " still " + state + " after " + timeout);
      }
      try {
        Thread.sleep(TASK_POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }
  }

  /** Ends the session on the server; a session that already ended is fine. */
  @Override
  public synchronized void close() {
    if (cookie == null || content == null) {
      return;
    }
    try {
      transport.call(
          "<Logout xmlns=\"urn:vim25\">" + content.sessionManager().xml("_this") + "</Logout>",
          cookie);
    } catch (IOException | VimFault e) {
      // Expired already, or the server is gone: either way there is no session left.
    }
    cookie = null;
  }

  private static ManagedObject reference(Element returnval, String name) {
    return VimXml.child(returnval, name)
        .map(VimXml::reference)
        .orElseThrow(() -> new VimFault("UnreadableReply", "service content without " + name));
  }
}
