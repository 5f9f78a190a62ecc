package dev.rtvoice.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvTest {
  @Test
  void defaultsApplyWhenUnsetOrBlank() {
    Env env = new Env(Map.of("BLANK", "  "));
    assertThat(env.string("MISSING", "d")).isEqualTo("d");
    assertThat(env.string("BLANK", "d")).isEqualTo("d");
    assertThat(env.intInRange("MISSING", 5, 1, 10)).isEqualTo(5);
    assertThat(env.duration("MISSING", Duration.ofSeconds(3))).isEqualTo(Duration.ofSeconds(3));
    assertThat(env.bool("MISSING", true)).isTrue();
  }

  @Test
  void parsesDurations() {
    assertThat(Env.parseDuration("X", "1500ms")).isEqualTo(Duration.ofMillis(1500));
    assertThat(Env.parseDuration("X", "30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(Env.parseDuration("X", "5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(Env.parseDuration("X", "2h")).isEqualTo(Duration.ofHours(2));
    assertThat(Env.parseDuration("X", "7d")).isEqualTo(Duration.ofDays(7));
  }

  @Test
  void badValuesNameTheVariable() {
    Env env = new Env(Map.of("PORT", "eighty", "TTL", "5 minutes", "FLAG", "maybe", "N", "99"));
    assertThatThrownBy(() -> env.intInRange("PORT", 1, 1, 65535)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("PORT").hasMessageContaining("eighty");
    assertThatThrownBy(() -> env.duration("TTL", Duration.ZERO)).hasMessageContaining("TTL");
    assertThatThrownBy(() -> env.bool("FLAG", false)).hasMessageContaining("FLAG");
    assertThatThrownBy(() -> env.intInRange("N", 1, 1, 10)).hasMessageContaining("N must be between 1 and 10");
    assertThatThrownBy(() -> env.required("ABSENT")).hasMessageContaining("ABSENT is required");
  }

  @Test
  void listsDropBlankEntries() {
    Env env = new Env(Map.of("L", " a, ,b ,c"));
    assertThat(env.list("L", List.of())).containsExactly("a", "b", "c");
  }

  @Test
  void secretsComeFromTheVariableOrAFileButNeverLeakIntoErrors(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("key");
    Files.writeString(file, "sk-from-file\n");
    assertThat(new Env(Map.of("API_KEY_FILE", file.toString())).secret("API_KEY")).contains("sk-from-file");
    assertThat(new Env(Map.of("API_KEY", "sk-direct")).secret("API_KEY")).contains("sk-direct");
    assertThatThrownBy(() -> new Env(Map.of("API_KEY", "sk-direct", "API_KEY_FILE", file.toString())).secret("API_KEY"))
        .hasMessageContaining("only one of").hasMessageNotContaining("sk-direct");
    assertThatThrownBy(() -> new Env(Map.of("API_KEY_FILE", dir.resolve("nope").toString())).secret("API_KEY"))
        .hasMessageContaining("API_KEY_FILE cannot be read");
  }
}
