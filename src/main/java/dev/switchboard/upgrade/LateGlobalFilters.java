package dev.switchboard.upgrade;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.core.annotation.Order;

import dev.switchboard.FilterOrder;

/**
 * Warns at startup about an application's own {@code GlobalFilter} that runs after the
 * tunnel filter: a WebSocket handshake ends there, so such a filter (an authorisation
 * check, say) would see plain HTTP and never a handshake. The usual cause is a filter
 * without an order, which Spring Cloud Gateway runs at the lowest precedence (the stock
 * WebSocket filter has the same trap).
 */
class LateGlobalFilters implements SmartInitializingSingleton {

	private static final Log logger = LogFactory.getLog(LateGlobalFilters.class);

	private final ObjectProvider<GlobalFilter> filters;

	LateGlobalFilters(ObjectProvider<GlobalFilter> filters) {
		this.filters = filters;
	}

	@Override
	public void afterSingletonsInstantiated() {
		this.filters.orderedStream().forEach((filter) -> {
			String type = filter.getClass().getName();
			if (filter instanceof WebSocketTunnelFilter || type.startsWith("org.springframework.cloud.gateway.")) {
				return;
			}
			int order = orderOf(filter);
			if (order >= FilterOrder.TUNNEL) {
				logger.warn("GlobalFilter " + type + " (order " + order
						+ ") runs after Switchboard's WebSocket tunnel filter (order " + FilterOrder.TUNNEL
						+ ") and will never see a WebSocket handshake; give it a lower order (implement Ordered,"
						+ " or annotate its class with @Order)");
			}
		});
	}

	/** The order Spring Cloud Gateway gives a global filter. */
	static int orderOf(GlobalFilter filter) {
		if (filter instanceof Ordered ordered) {
			return ordered.getOrder();
		}
		Order order = AnnotationUtils.findAnnotation(filter.getClass(), Order.class);
		return (order != null) ? order.value() : Ordered.LOWEST_PRECEDENCE;
	}

}
