package dev.corral.activities.provider.vsphere.vim;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.w3c.dom.Element;

/**
 * vim25 over HTTP: one POST of a SOAP envelope to {@code /sdk} per call. A fault comes back as a
 * {@link VimFault} of its vSphere type; a reply carries the session cookie the server set, if any.
 * The certificate is checked, against the JDK's trust store or only a configured CA file.
 */
public final class SoapTransport {
  /** The API version Corral speaks; a newer vCenter answers it and adds fields Corral ignores. */
  static final String SOAP_ACTION = "urn:vim25/6.5";

  /** What one call returned: the method's response element, and the cookie the server set. */
  public record Reply(Element response, Optional<String> setCookie) {}

  private final URI sdk;
  private final HttpClient http;
  private final Duration timeout;

  public SoapTransport(URI sdk, SSLContext tls, Duration timeout) {
    this.sdk = sdk;
    this.timeout = timeout;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .sslContext(tls)
            .build();
  }

  /**
   * TLS that trusts only the certificates in {@code caFile} (PEM), or the JDK's trust store when it
   * is null.
   */
  public static SSLContext trusting(Path caFile) {
    try {
      if (caFile == null) {
        return SSLContext.getDefault();
      }
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      try (InputStream in = Files.newInputStream(caFile)) {
        int i = 0;
        for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          store.setCertificateEntry("ca-" + i++, c);
        }
        if (i == 0) {
          throw new IllegalArgumentException(caFile + " holds no PEM certificate");
        }
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, tmf.getTrustManagers(), null);
      return tls;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "cannot read CA file " + caFile + ": " + e.getMessage(), e);
    }
  }

  /**
   * Sends {@code body} (one method element) with {@code cookie} (null before login).
   *
   * @throws VimFault the server's fault
   * @throws IOException the server could not be reached or answered no vim25
   */
  public Reply call(String body, String cookie) throws IOException {
    String envelope =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\""
            + VimXml.SOAP_ENV
            + "\" xmlns:xsi=\""
            + VimXml.XSI
            + "\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"><soapenv:Body>"
            + body
            + "</soapenv:Body></soapenv:Envelope>";
    HttpRequest.Builder request =
        HttpRequest.newBuilder(sdk)
            .timeout(timeout)
            .header("Content-Type", "text/xml; charset=utf-8")
            .header("SOAPAction", SOAP_ACTION)
            .POST(HttpRequest.BodyPublishers.ofString(envelope, StandardCharsets.UTF_8));
    if (cookie != null) {
      request.header("Cookie", cookie);
    }
    HttpResponse<byte[]> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    Element soapBody =
        VimXml.children(VimXml.parse(response.body()).getDocumentElement(), "Body").stream()
            .findFirst()
            .orElseThrow(
                () -> new IOException("HTTP " + response.statusCode() + " without a SOAP body"));
    Element first =
        VimXml.children(soapBody).stream()
            .findFirst()
            .orElseThrow(() -> new IOException("an empty SOAP body"));
    if ("Fault".equals(VimXml.name(first))) {
      throw fault(first);
    }
    // The session cookie is "vmware_soap_session=...; Path=/; HttpOnly": only its first part goes
    // back.
    Optional<String> setCookie =
        response.headers().firstValue("Set-Cookie").map(c -> c.split(";", 2)[0]);
    return new Reply(first, setCookie);
  }

  /** The fault's type is its detail's xsi:type (or its element name without "Fault"). */
  static VimFault fault(Element fault) {
    String message = VimXml.text(fault, "faultstring").orElse("");
    Optional<Element> detail =
        VimXml.child(fault, "detail").flatMap(d -> VimXml.children(d).stream().findFirst());
    String type =
        detail
            .flatMap(VimXml::xsiType)
            .orElse(
                detail.map(d -> VimXml.name(d).replaceFirst("Fault$", "")).orElse("ServerFault"));
    return new VimFault(type, message.isEmpty() ? type : message);
  }
}
