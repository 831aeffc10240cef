package dev.corral.activities.provider.vsphere.vim;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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

  /** One object a property read returned, with the properties it has set, by path. */
  public record ObjectContent(ManagedObject object, Map<String, Element> properties) {
    /** The text of property {@code path}, or empty when it is not set. */
    public Optional<String> text(String path) {
      Element e = properties.get(path);
      return e == null ? Optional.empty() : Optional.of(e.getTextContent().strip());
    }
  }

  /**
   * The properties {@code paths} of {@code object}, by path; a property the object does not have
   * set is absent.
   */
  public Map<String, Element> properties(ManagedObject object, String... paths) throws IOException {
    StringBuilder spec = new StringBuilder("<specSet><propSet>");
    spec.append(VimXml.element("type", object.type()));
    for (String path : paths) {
      spec.append(VimXml.element("pathSet", path));
    }
    spec.append("</propSet><objectSet>")
        .append(object.xml("obj"))
        .append("<skip>false</skip></objectSet></specSet>");
    List<ObjectContent> found = retrieve(spec.toString());
    return found.isEmpty() ? Map.of() : found.get(0).properties();
  }

  /**
   * One property collector read: {@code specSet} is the request's {@code <specSet>} element(s).
   * Every page is read (a large result comes in pages on a real vCenter). Property reads are
   * allowed without a session and report an expired one per property instead of as a fault: that
   * too renews the session once.
   */
  public List<ObjectContent> retrieve(String specSet) throws IOException {
    for (int attempt = 0; ; attempt++) {
      String used = cookie;
      List<ObjectContent> out = new ArrayList<>();
      Element r =
          invoke("RetrievePropertiesEx", content().propertyCollector(), specSet + "<options/>");
      boolean notAuthenticated = false;
      Optional<Element> page = VimXml.child(r, "returnval");
      while (page.isPresent()) {
        notAuthenticated |= read(page.get(), out);
        Optional<String> token = VimXml.text(page.get(), "token");
        if (token.isEmpty()) {
          break;
        }
        page =
            VimXml.child(
                invoke(
                    "ContinueRetrievePropertiesEx",
                    content().propertyCollector(),
                    VimXml.element("token", token.get())),
                "returnval");
      }
      if (!notAuthenticated) {
        return out;
      }
      if (attempt > 0) {
        throw new VimFault(VimFault.NOT_AUTHENTICATED, "a new session is refused too");
      }
      expired(used == null ? cookie : used);
    }
  }

  /** Adds the page's objects to {@code out}; true when a property was refused for no session. */
  private static boolean read(Element page, List<ObjectContent> out) {
    boolean notAuthenticated = false;
    for (Element objects : VimXml.children(page, "objects")) {
      Map<String, Element> values = new LinkedHashMap<>();
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
      ManagedObject obj = VimXml.child(objects, "obj").map(VimXml::reference).orElseThrow();
      out.add(new ObjectContent(obj, values));
    }
    return notAuthenticated;
  }

  /**
   * Starts task {@code method} on {@code target} and waits for it; returns its result.
   *
   * @throws VimFault the call's or the task's fault
   */
  public Optional<Element> runTask(
      String method, ManagedObject target, String params, Duration timeout) throws IOException {
    Element r = invoke(method, target, params);
    ManagedObject task =
        VimXml.child(r, "returnval")
            .map(VimXml::reference)
            .orElseThrow(() -> new VimFault("UnreadableReply", method + " returned no task"));
    return awaitTask(task, timeout);
  }

  /**
   * Checks that the session is alive with the cheapest call there is (the server's clock), logging
   * in again if it expired; callers that held a session idle for long check it before real work.
   */
  public void check() throws IOException {
    invoke("CurrentTime", SERVICE_INSTANCE, "");
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
