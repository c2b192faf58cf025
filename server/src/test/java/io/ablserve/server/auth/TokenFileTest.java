package io.ablserve.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ablserve.server.config.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenFileTest {
  @TempDir Path dir;

  private TokenFile read(String text) throws IOException {
    Path file = dir.resolve("tokens");
    Files.writeString(file, text);
    return TokenFile.read(file);
  }

  @Test
  void read_mapsTokensToUsersAndSkipsComments() throws Exception {
    TokenFile tokens =
        read("# lab users\n\n0123456789abcdef alice\n  fedcba9876543210   root   admin  \n");

    assertThat(tokens.size()).isEqualTo(2);
    assertThat(tokens.lookUp("0123456789abcdef")).contains(new Principal("alice", false));
    assertThat(tokens.lookUp("fedcba9876543210")).contains(new Principal("root", true));
    assertThat(tokens.lookUp("0123456789abcdeX")).isEmpty();
  }

  @Test
  void read_namesTheBadLine() {
    assertThatThrownBy(() -> read("0123456789abcdef alice\nshort bob\n"))
        .hasMessageContaining("line 2").hasMessageContaining("at least 16");
    assertThatThrownBy(() -> read("0123456789abcdef alice superuser\n"))
        .hasMessageContaining("line 1").hasMessageContaining("'admin'");
    assertThatThrownBy(() -> read("0123456789abcdef\n")).hasMessageContaining("TOKEN USER");
    assertThatThrownBy(() -> read("0123456789abcdef a\n0123456789abcdef b\n"))
        .hasMessageContaining("line 2").hasMessageContaining("repeats");
    assertThatThrownBy(() -> read("# nobody\n")).hasMessageContaining("no users");
  }

  @Test
  void exposure_refusesANonLoopbackAddressWithoutTokens() {
    ServerConfig d = ServerConfig.DEFAULTS;
    ServerConfig open = new ServerConfig(0, "0.0.0.0", d.dataDir(), "cpu", d.datasetRoots(), 1);

    assertThatThrownBy(() -> Exposure.check(open))
        .hasMessageContaining("refusing to listen on 0.0.0.0 without authentication")
        .hasMessageContaining("--token-file");
    Exposure.check(open.withTokenFile(dir.resolve("tokens")));
    Exposure.check(new ServerConfig(0, "localhost", d.dataDir(), "cpu", d.datasetRoots(), 1));
    Exposure.check(new ServerConfig(0, "::1", d.dataDir(), "cpu", d.datasetRoots(), 1));
    assertThat(Exposure.describe(d)).contains("user 'local'").contains("loopback only");
    assertThat(open.tokenFile()).isEqualTo(Optional.empty());
  }

  @Test
  void exposure_refusesNonLoopbackMetricsWithoutTokens() {
    ServerConfig d = ServerConfig.DEFAULTS;
    ServerConfig openMetrics = d.withMetricsPort(0).withMetricsBindAddress("0.0.0.0");

    assertThatThrownBy(() -> Exposure.check(openMetrics))
        .hasMessageContaining("refusing to serve metrics on 0.0.0.0 without authentication")
        .hasMessageContaining("--metrics-bind");
    Exposure.check(openMetrics.withTokenFile(dir.resolve("tokens")));
    Exposure.check(openMetrics.withMetricsPort(-1));
    Exposure.check(d.withMetricsPort(0).withMetricsBindAddress("::1"));
  }
}
