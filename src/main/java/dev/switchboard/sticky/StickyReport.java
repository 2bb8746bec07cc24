package dev.switchboard.sticky;

import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.route.Route;

import dev.switchboard.balancer.AffinityReport;
import dev.switchboard.config.RouteSettings;

/**
 * Sticky sessions as {@code /actuator/backends} shows them: the affinity key and sessions
 * per instance.
 */
class StickyReport implements AffinityReport {

	private final RouteSettings<StickySettings> settings;

	private final SessionStore store;

	private final StickyKeys keys;

	StickyReport(RouteSettings<StickySettings> settings, SessionStore store, StickyKeys keys) {
		this.settings = settings;
		this.store = store;
		this.keys = keys;
	}

	@Override
	public String describeKey(Route route) {
		StickySettings sticky = this.settings.forRoute(route);
		return sticky.enabled() ? sticky.describeKey() : null;
	}

	@Override
	public Mono<Map<String, Long>> sessionsByInstance(Route route) {
		return this.store.countByInstance(this.keys.sessions(route.getId()));
	}

	@Override
	public String storeState() {
		return this.store.degraded() ? "unavailable (rendezvous hashing)" : "ok";
	}

}
