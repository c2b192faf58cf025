package io.ablserve.server.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A JDK {@link SSLContext} serving the PEM certificate chain and PKCS#8 key that gRPC serves TLS with;
 * gRPC reads them through Netty, whose context the JDK's HTTPS server cannot use.
 */
final class PemSslContext {
  private static final Pattern PKCS8 =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
  private static final char[] NO_PASSWORD = new char[0];

  private PemSslContext() {}

  /** Reads {@code certChain} and {@code key}; IOException says which file is wrong and how. */
  static SSLContext load(Path certChain, Path key) throws IOException {
    Certificate[] chain = readChain(certChain);
    PrivateKey privateKey = readKey(key, chain[0].getPublicKey().getAlgorithm());
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("server", privateKey, NO_PASSWORD, chain);
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, NO_PASSWORD);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IOException(
          key + " does not fit the certificate in " + certChain + ": " + e.getMessage(), e);
    }
  }

  private static Certificate[] readChain(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      Certificate[] chain =
          CertificateFactory.getInstance("X.509").generateCertificates(in).toArray(new Certificate[0]);
      if (chain.length == 0) {
        throw new IOException(file + " holds no PEM certificate");
      }
      return chain;
    } catch (GeneralSecurityException e) {
      throw new IOException(file + " is not a PEM certificate chain: " + e.getMessage(), e);
    }
  }

  private static PrivateKey readKey(Path file, String algorithm) throws IOException {
    String pem = Files.readString(file, StandardCharsets.US_ASCII);
    Matcher block = PKCS8.matcher(pem);
    if (!block.find()) {
      // What gRPC's Netty accepts without Bouncy Castle, so both endpoints take the same files.
      throw new IOException(
          file + " holds no unencrypted PKCS#8 key ('-----BEGIN PRIVATE KEY-----'); convert it with"
              + " openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
    }
    try {
      byte[] der = Base64.getMimeDecoder().decode(block.group(1));
      return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IOException(
          file + " is not a PKCS#8 " + algorithm + " key for its certificate: " + e.getMessage(), e);
    }
  }
}
