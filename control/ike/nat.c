/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 7296 §2.23: following the peer when its NAT mapping changes. An
 * authenticated message (request or response) that arrives from another
 * address or port than the IKE SA's means the NAT in front of the peer
 * lost its mapping (reboot, timeout) and made a new one. A host that is
 * not itself behind a NAT moves the IKE SA there, and with it the Child
 * SAs' outer addresses and ESP-in-UDP ports in the dataplane (through the
 * driver's update_sa, keys and sequence numbers untouched). A host behind
 * a NAT does not: that would let anyone who can replay a packet redirect
 * its traffic (the DoS the RFC warns about).
 */
#include "control/ike/exchange.h"

static bool same_endpoint(const struct ike_addr *a, const struct ike_addr *b)
{
	return a->port == b->port && esp_addr_eq(&a->ip, &b->ip);
}

/* Both SAs of @p c to the IKE SA's (new) endpoints. */
static void child_move(struct ike_engine *e, struct ike_sa *sa, struct ike_child *c)
{
	struct drv_sa_endpoints in = {
		.local = sa->local.ip, .remote = sa->remote.ip,
		.natt_sport = sa->local.port, .natt_dport = sa->remote.port,
	};
	int rc;

	rc = drv_sa_update_endpoints(e->drv, c->spi_in, ESP_DIR_IN, &in);
	if (rc == 0)
		rc = drv_sa_update_endpoints(e->drv, c->spi_out, ESP_DIR_OUT, &in);
	if (rc != 0)
		ike_log(e, "Child SA %08x_i %08x_o: moving to the new peer address failed: %d",
			c->spi_in, c->spi_out, rc);
}

void ike_nat_update(struct ike_engine *e, struct ike_sa *sa, const struct ike_addr *local,
		    const struct ike_addr *remote)
{
	char was[64], now[64];

	if (same_endpoint(&sa->local, local) && same_endpoint(&sa->remote, remote))
		return;
	switch (sa->state) {
	case IKE_SA_INIT_DONE:
		/* IKE_AUTH: the initiator floats to port 4500 (§2.23); its
		 * Child SA is installed with these endpoints. */
		sa->local = *local;
		sa->remote = *remote;
		return;
	case IKE_SA_ESTABLISHED:
	case IKE_SA_REKEYING:
		break;
	default:
		return; /* being replaced or deleted: not worth moving */
	}
	if (sa->nat_local) {
		e->st.nat_moves_refused++;
		return;
	}
	ike_log(e, "IKE SA %016llx_i %016llx_r: peer moved from %s:%u to %s:%u (NAT mapping "
		"changed), following it", (unsigned long long)sa->spi_i,
		(unsigned long long)sa->spi_r, esp_addr_fmt(&sa->remote.ip, was, sizeof(was)),
		sa->remote.port, esp_addr_fmt(&remote->ip, now, sizeof(now)), remote->port);
	sa->local = *local;
	sa->remote = *remote;
	e->st.nat_moves++;
	for (unsigned i = 0; i < IKE_CHILD_MAX; i++)
		if (sa->child[i].installed)
			child_move(e, sa, &sa->child[i]);
}
