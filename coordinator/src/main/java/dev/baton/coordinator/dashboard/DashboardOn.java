package dev.baton.coordinator.dashboard;

import dev.baton.coordinator.config.Settings;
import io.micronaut.context.condition.Condition;
import io.micronaut.context.condition.ConditionContext;

/** Whether the dashboard is served: a coordinator with BATON_DASHBOARD=on (the default). */
public final class DashboardOn implements Condition {
    @Override
    public boolean matches(ConditionContext context) {
        return context.getBeanContext().findBean(Settings.class).map(Settings::webDashboard).orElse(false);
    }
}
