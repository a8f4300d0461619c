package dev.baton.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class UnknownNamesTest {
    @Test
    void anUnknownNameIsNamedWithTheKnownOneItResembles() {
        assertEquals(List.of("BATON_DB_ULR (did you mean BATON_DB_URL?)", "BATON_ZZZ"),
                UnknownNames.of(List.of("BATON_ZZZ", "BATON_DB_ULR", "BATON_DB_URL", "BATON_OTHER", "HOME"), "BATON_",
                        Set.of("BATON_DB_URL"), Set.of("BATON_OTHER")));
        assertEquals(1, UnknownNames.editDistance("ULR", "URL"));
        assertEquals(3, UnknownNames.editDistance("lease", "lease-ms"));
    }

    @Test
    void noProgramCallsAnotherProgramsNameUnknown() {
        Set<String> all = new HashSet<>(SettingNames.COORDINATOR);
        all.addAll(SettingNames.WORKER);
        all.addAll(SettingNames.TESTS);
        all.addAll(SettingNames.PROCESS);
        all.addAll(SettingNames.CLI);
        for (Set<String> own : List.of(SettingNames.COORDINATOR, SettingNames.WORKER)) {
            Set<String> others = SettingNames.otherThan(own);
            assertTrue(others.containsAll(SettingNames.TESTS));
            assertTrue(others.containsAll(SettingNames.CLI), "an operator's shell sets the CLI's names too");
            assertTrue(others.stream().noneMatch(own::contains));
            assertEquals(all.size(), own.size() + others.size());
            // as a process of its own, each program reads BATON_LOG_FORMAT too, and calls no typo of it unknown
            Set<String> process = SettingNames.withProcess(own);
            assertTrue(process.containsAll(SettingNames.PROCESS));
            assertTrue(SettingNames.otherThan(process).stream().noneMatch(process::contains));
            assertEquals(List.of("BATON_LOG_FROMAT (did you mean BATON_LOG_FORMAT?)"), UnknownNames.of(
                    List.of("BATON_LOG_FROMAT", "BATON_LOG_FORMAT"), "BATON_", process, SettingNames.otherThan(process)));
        }
        // one name both read: a shell running both sends their spans to one collector
        assertTrue(SettingNames.COORDINATOR.contains("BATON_OTLP_ENDPOINT"));
        assertTrue(SettingNames.WORKER.contains("BATON_OTLP_ENDPOINT"));
    }
}
