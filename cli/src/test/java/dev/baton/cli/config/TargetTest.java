package dev.baton.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.cli.CliException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TargetTest {
    @Test
    void flagBeatsEnvironmentBeatsDefault() {
        Map<String, String> env = Map.of("BATON_URL", "http://env:8080/", "BATON_TOKEN", "env-token", "BATON_CONFIG", "/nonexistent");
        Target fromEnv = Target.resolve(null, null, null, env);
        assertThat(fromEnv.url().toString()).isEqualTo("http://env:8080");
        assertThat(fromEnv.token()).isEqualTo("env-token");
        Target fromFlags = Target.resolve("https://flag:9", "flag-token", null, env);
        assertThat(fromFlags.url().toString()).isEqualTo("https://flag:9");
        assertThat(fromFlags.tokenSource()).isEqualTo("--token");
        assertThat(Target.resolve(null, null, null, Map.of("BATON_CONFIG", "/nonexistent")).url().toString())
                .isEqualTo(Target.DEFAULT_URL);
    }

    @Test
    void theTokenIsNeverInToString() {
        Target t = Target.resolve(null, "s3cret", null, Map.of("BATON_CONFIG", "/nonexistent"));
        assertThat(t.toString()).doesNotContain("s3cret").contains("--token");
    }

    @Test
    void aTokenFileUnderHome() {
        assertThat(Target.home("~/t", Map.of("HOME", "/home/op"))).isEqualTo("/home/op/t");
        assertThat(Target.home("/etc/t", Map.of("HOME", "/home/op"))).isEqualTo("/etc/t");
    }

    @Test
    void refusesWhatIsNotAUrl() {
        assertThatThrownBy(() -> Target.resolve("ftp://x", null, null, Map.of("BATON_CONFIG", "/nonexistent")))
                .isInstanceOf(CliException.class).hasMessageContaining("http://");
    }

    @Test
    void profileFileSections() {
        ProfileFile f = ProfileFile.parse(List.of("# c", "[default]", "url = http://a", "", "[prod]", "token=t"), "cfg");
        assertThat(f.profile("default")).containsEntry("url", "http://a");
        assertThat(f.profile("prod")).containsEntry("token", "t");
        assertThat(f.has("nope")).isFalse();
        assertThatThrownBy(() -> ProfileFile.parse(List.of("url = x"), "cfg")).hasMessageContaining("cfg line 1");
    }

    /** Hostile review, defect 2: a token file with a comment line was quoted whole in the HTTP client's error. */
    @Test
    void aTokenACoordinatorCannotBeSentIsRefusedWithoutShowingIt() {
        for (String token : new String[] {"adm-secret-1\n# the prod admin token", "sec\u0001ret", "two words"}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Target.resolve(null, token, null,
                            Map.of("BATON_CONFIG", "/nonexistent")))
                    .isInstanceOfSatisfying(dev.baton.cli.CliException.class, e -> {
                        assertThat(e.exitCode()).isEqualTo(dev.baton.cli.ExitCodes.USAGE);
                        assertThat(e.getMessage()).doesNotContain("secret", "sec", "words").contains("--token");
                    });
        }
    }

    /** Hostile review, defect 10: the API's own prefix in the URL doubled every path. */
    @Test
    void theApiPrefixIsLeftOffAndAQueryOrFragmentRefused() {
        for (String url : new String[] {"http://h:8080/api/v1", "http://h:8080/api/v1/", "http://h:8080//", "http://h:8080"}) {
            assertThat(Target.coordinator(url, "--url").toString()).as(url).isEqualTo("http://h:8080");
        }
        assertThat(Target.coordinator("https://h/baton/api/v1/", "--url").toString()).isEqualTo("https://h/baton");
        for (String url : new String[] {"http://h:8080/?x=1", "http://h:8080#top", "http://u:pw@h/api/v1?x", "http:///x"}) {
            assertThatThrownBy(() -> Target.coordinator(url, "BATON_URL")).as(url)
                    .isInstanceOfSatisfying(CliException.class, e -> {
                        assertThat(e.exitCode()).isEqualTo(dev.baton.cli.ExitCodes.USAGE);
                        assertThat(e.getMessage()).contains("BATON_URL").doesNotContain("pw");
                    });
        }
    }

    /** Hostile review, defect 12: a mistake in the profile file is named by file, line and what is wrong. */
    @Test
    void profileFileMistakesAreNamed() {
        assertThatThrownBy(() -> ProfileFile.parse(List.of("[ops]", "tokne = x"), "cfg"))
                .hasMessageContaining("cfg line 2").hasMessageContaining("unknown setting tokne");
        assertThatThrownBy(() -> ProfileFile.parse(List.of("[ops", "url = x"), "cfg")).hasMessageContaining("cfg line 1");
        assertThatThrownBy(() -> ProfileFile.parse(List.of("[ops]", "url ="), "cfg")).hasMessageContaining("url has no value");
        assertThatThrownBy(() -> ProfileFile.parse(List.of("[]"), "cfg")).hasMessageContaining("names no profile");
        assertThat(ProfileFile.parse(List.of("[a]", "[b]"), "cfg").names()).containsExactly("a", "b");
    }
}
