package dev.baton.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.db.ProgressLogRepository;
import dev.baton.coordinator.db.ProgressLogRepository.ProgressItem;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import dev.baton.coordinator.testing.TcpProxy;
import dev.baton.coordinator.testing.TestServices;
import org.junit.jupiter.api.Test;

/**
 * A progress batch that could not reach the database answers its callers that 503, rather than
 * "not applied" (which sends each caller to try again alone, against the same dead link: soak 10,
 * seed 2 saw progress wait out the bound twice, 10 s, and go unanswered).
 */
class ProgressCommitsOutageTest {
    @Test
    void aBatchThatCannotReachTheDatabaseAnswers503NotNotApplied() throws Exception {
        try (TcpProxy proxy = TcpProxy.before(TestServices.postgres().urlFor("postgres"))) {
            proxy.cut();
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(proxy.via(TestServices.postgres().urlFor("postgres")));
            config.setUsername(TestServices.postgres().user());
            config.setPassword(TestServices.postgres().password());
            config.setConnectionTimeout(500);
            config.setInitializationFailTimeout(-1);
            try (HikariDataSource pool = new HikariDataSource(config)) {
                ProgressCommits commits = new ProgressCommits(new Db(pool), new ProgressLogRepository());
                try {
                    assertThatThrownBy(() -> commits.apply(new ProgressItem(1, 1, "lease", 1, null, null)))
                            .isInstanceOfSatisfying(BatonException.class, e -> {
                                assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
                                assertThat(e.databaseUnreachable()).isTrue();
                            });
                } finally {
                    commits.stop();
                }
            }
        }
    }
}
