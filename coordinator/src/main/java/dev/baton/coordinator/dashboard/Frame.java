package dev.baton.coordinator.dashboard;

/**
 * What every page's frame shows and needs: who is logged in (null on the login page and on
 * refusals before a session is known), their CSRF token for the forms, whether they may change
 * anything (no action is rendered otherwise), and which section is open.
 */
public record Frame(String user, String role, String csrf, boolean mayChange, String section) {
    static final Frame ANONYMOUS = new Frame(null, null, null, false, "");

    static Frame of(UiSession session, String section) {
        return session == null ? ANONYMOUS : new Frame(session.caller().name(), session.caller().role().wire(),
                session.csrfToken(), session.mayChange(), section);
    }

    public boolean loggedIn() {
        return user != null;
    }
}
