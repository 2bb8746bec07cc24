package dev.switchboard.policy;

import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.cloud.gateway.route.RouteDefinition;

import dev.switchboard.auth.AuthSettings;
import dev.switchboard.config.RouteSettings;
import dev.switchboard.config.RoutesCheck;
import dev.switchboard.sticky.StickySettings;

/**
 * Warns about a route that trusts a cookie (sticky sessions, or a token taken from a
 * cookie) and has no origin allow-list: it is open to Cross-Site WebSocket Hijacking,
 * since the browser sends its cookies with a handshake any page starts. Warned at startup
 * and for every new configuration, not refused: a route that only non-browser clients use
 * has no origin to protect.
 */
class UnprotectedCookieRoutes implements RoutesCheck {

	private static final Log logger = LogFactory.getLog(UnprotectedCookieRoutes.class);

	private final RouteSettings<OriginSettings> origins;

	private final RouteSettings<StickySettings> sticky;

	private final RouteSettings<AuthSettings> auth;

	/**
	 * Checks with these features' settings.
	 * @param origins the allow-lists
	 * @param sticky sticky routing's settings, or null without it
	 * @param auth authentication's settings, or null without it
	 */
	UnprotectedCookieRoutes(RouteSettings<OriginSettings> origins, RouteSettings<StickySettings> sticky,
			RouteSettings<AuthSettings> auth) {
		this.origins = origins;
		this.sticky = sticky;
		this.auth = auth;
	}

	@Override
	public void check(List<RouteDefinition> routes, SettingsLookup settings) {
		for (RouteDefinition route : routes) {
			if (!settings.forRoute(this.origins, route).allowedOrigins().isEmpty()) {
				continue;
			}
			AuthSettings auth = (this.auth != null) ? settings.forRoute(this.auth, route) : null;
			if (auth != null && auth.jwt() && !auth.tokenCookie().isEmpty()) {
				warn(route, "takes its token from cookie " + auth.tokenCookie());
			}
			else if (this.sticky != null && settings.forRoute(this.sticky, route).enabled()) {
				warn(route, "is sticky");
			}
		}
	}

	private static void warn(RouteDefinition route, String what) {
		logger.warn("Route " + route.getId() + " " + what + " (a cookie browsers send with any page's handshake)"
				+ " and has no switchboard.allowed-origins: any web site can open a tunnel as its visitors;"
				+ " list the origins of your pages (see README, Security)");
	}

}
