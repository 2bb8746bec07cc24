package dev.switchboard.policy;

import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.cloud.gateway.route.RouteDefinition;

import dev.switchboard.config.RouteSettings;
import dev.switchboard.config.RoutesCheck;
import dev.switchboard.sticky.StickySettings;

/**
 * Warns about a sticky route without an origin allow-list: it is open to Cross-Site
 * WebSocket Hijacking, since the browser sends the sticky cookie (and the application's
 * own) with a handshake any page starts. Warned at startup and for every new
 * configuration, not refused: a route that only non-browser clients use has no origin to
 * protect.
 */
class UnprotectedStickyRoutes implements RoutesCheck {

	private static final Log logger = LogFactory.getLog(UnprotectedStickyRoutes.class);

	private final RouteSettings<OriginSettings> origins;

	private final RouteSettings<StickySettings> sticky;

	UnprotectedStickyRoutes(RouteSettings<OriginSettings> origins, RouteSettings<StickySettings> sticky) {
		this.origins = origins;
		this.sticky = sticky;
	}

	@Override
	public void check(List<RouteDefinition> routes, SettingsLookup settings) {
		for (RouteDefinition route : routes) {
			if (settings.forRoute(this.sticky, route).enabled()
					&& settings.forRoute(this.origins, route).allowedOrigins().isEmpty()) {
				logger.warn("Route " + route.getId() + " is sticky (a cookie browsers send with any page's"
						+ " handshake) and has no switchboard.allowed-origins: any web site can open a tunnel as"
						+ " its visitors; list the origins of your pages (see README, Security)");
			}
		}
	}

}
