package dev.baton.coordinator.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.coordinator.db.JobQueries;
import dev.baton.coordinator.error.BatonException;
import org.junit.jupiter.api.Test;

class SearchQueryTest {
    @Test
    void keyValueTermsBecomeOneObjectOfStrings() {
        assertThat(SearchQuery.toContainment("customer:acme")).isEqualTo("{\"customer\":\"acme\"}");
        assertThat(SearchQuery.toContainment(" customer.tier:gold  order:A-17 "))
                .isEqualTo("{\"customer\":{\"tier\":\"gold\"},\"order\":\"A-17\"}");
        assertThat(SearchQuery.toContainment("a.b:1 a.c:2")).isEqualTo("{\"a\":{\"b\":\"1\",\"c\":\"2\"}}");
        assertThat(SearchQuery.toContainment("url:https://x.example/a")).isEqualTo("{\"url\":\"https://x.example/a\"}");
    }

    @Test
    void aJsonObjectIsTakenAsItIs() {
        assertThat(SearchQuery.toContainment("{\"order\": {\"id\": 7}}")).isEqualTo("{\"order\":{\"id\":7}}");
    }

    @Test
    void theSearchLooksInThePayloadUnlessToldTheResultOrTheError() {
        assertThat(SearchQuery.search(null, "a:b"))
                .isEqualTo(new JobQueries.Search(JobQueries.Searched.PAYLOAD, "{\"a\":\"b\"}"));
        assertThat(SearchQuery.search("result", "a:b").in()).isEqualTo(JobQueries.Searched.RESULT);
        assertThat(SearchQuery.search("error", "type:x").in()).isEqualTo(JobQueries.Searched.ERROR);
        assertThat(SearchQuery.search("error", "  ")).isNull();
        for (String bad : new String[] {"last_error", "payload; drop table jobs", "PAYLOAD"}) {
            assertThatThrownBy(() -> SearchQuery.search(bad, "a:b")).as(bad).isInstanceOf(BatonException.class)
                    .satisfies(e -> assertThat(((BatonException) e).errors().get(0).field()).isEqualTo("in"));
        }
    }

    @Test
    void blankIsNoFilter() {
        assertThat(SearchQuery.toContainment(null)).isNull();
        assertThat(SearchQuery.toContainment("   ")).isNull();
    }

    @Test
    void whatCannotBeReadIsA400NamingTheField() {
        for (String bad : new String[] {"nocolon", ":x", "x:", "{bad", "[1]", "{", "a..b:1", ".a:1"}) {
            assertThatThrownBy(() -> SearchQuery.toContainment(bad)).as(bad).isInstanceOf(BatonException.class)
                    .satisfies(e -> assertThat(((BatonException) e).errors().get(0).field()).isEqualTo("q"));
        }
    }
}
