package dev.switchboard.upgrade;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.cloud.gateway.event.RefreshRoutesEvent;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.handler.FilteringWebHandler;
import org.springframework.cloud.gateway.route.Route;

/**
 * Spring Cloud Gateway's filtering handler, with a route's filters merged with the global
 * filters and sorted once per route rather than on every request (each handshake paid for
 * the copy and the sort, and more for a route with filters of its own, such as a rate
 * limiter). Spring Cloud Gateway's own cache ({@code route-filter-cache-enabled}) keys on
 * {@link Route#hashCode()}, which hashes the route's metadata and filters on every
 * request and measured no faster. Here the key is the route's id and the check is its
 * identity: a refresh replaces route objects and never changes one, so an entry made for
 * an older route object is simply made again, and a refresh drops the routes that are
 * gone.
 */
class RouteFilterChains extends FilteringWebHandler {

	private final Map<String, Chain> chains = new ConcurrentHashMap<>();

	RouteFilterChains(List<GlobalFilter> globalFilters) {
		super(globalFilters, false);
	}

	@Override
	protected List<GatewayFilter> getCombinedFilters(Route route) {
		Chain chain = this.chains.get(route.getId());
		if (chain == null || chain.route() != route) {
			chain = new Chain(route, List.copyOf(getAllFilters(route)));
			this.chains.put(route.getId(), chain);
		}
		return chain.filters();
	}

	@Override
	public void onApplicationEvent(RefreshRoutesEvent event) {
		this.chains.clear();
	}

	private record Chain(Route route, List<GatewayFilter> filters) {

	}

}
