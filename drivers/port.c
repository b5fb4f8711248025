/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_dev.h>
#include <rte_ethdev.h>

#include "drivers/port.h"

/* A device string names a vdev ("net_af_packet0,iface=x") or a bus
 * device ("0000:01:00.0"); probe it unless EAL already did. */
static int port_find(const char *devargs, uint16_t *port_id)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	size_t n = strcspn(devargs, ",");
	int rc;

	if (n >= sizeof(name))
		return -ENAMETOOLONG;
	memcpy(name, devargs, n);
	name[n] = '\0';
	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
		return 0;
	if (strncmp(name, "net_", 4) == 0)
		rc = rte_vdev_init(name, devargs[n] ? devargs + n + 1 : "");
	else
		rc = rte_dev_probe(devargs);
	if (rc < 0)
		return rc;
	return rte_eth_dev_get_port_by_name(name, port_id) == 0 ? 0 : -ENODEV;
}

int port_open(const struct port_conf *pc, struct rte_mempool *pool, uint16_t *port_id,
	      uint16_t *nb_rxq, char *err, size_t errlen)
{
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	uint16_t pid, nq, ntxq;
	int rc;

	rc = port_find(pc->devargs, &pid);
	if (rc < 0) {
		snprintf(err, errlen, "port %s: cannot probe '%s': %s", pc->name, pc->devargs,
			 strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_info_get(pid, &info);
	if (rc < 0) {
		snprintf(err, errlen, "port %s: no device info", pc->name);
		return rc;
	}
	nq = RTE_MIN(pc->nb_queues, info.max_rx_queues);
	ntxq = RTE_MIN(pc->nb_queues, info.max_tx_queues);
	/* af_packet spreads frames over all its qpairs sockets (PACKET_FANOUT)
	 * whatever we configure: every one of them must be polled. */
	if (strcmp(info.driver_name, "net_af_packet") == 0)
		nq = info.max_rx_queues;
	if (nq == 0 || ntxq < pc->nb_queues) {
		snprintf(err, errlen, "port %s: needs %u TX queues (one per worker), PMD has %u",
			 pc->name, pc->nb_queues, info.max_tx_queues);
		return -ENOTSUP;
	}
	if (nq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP) & info.flow_type_rss_offloads;
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	rc = rte_eth_dev_configure(pid, nq, ntxq, &conf);
	if (rc < 0) {
		snprintf(err, errlen, "port %s: configure: %s", pc->name, strerror(-rc));
		return rc;
	}
	uint16_t rxd = pc->rxd, txd = pc->txd;

	rte_eth_dev_adjust_nb_rx_tx_desc(pid, &rxd, &txd);
	for (uint16_t q = 0; q < nq; q++) {
		rc = rte_eth_rx_queue_setup(pid, q, rxd, rte_eth_dev_socket_id(pid), NULL, pool);
		if (rc < 0) {
			snprintf(err, errlen, "port %s: rx queue %u: %s", pc->name, q, strerror(-rc));
			return rc;
		}
	}
	struct rte_eth_txconf txc = info.default_txconf;

	txc.offloads = conf.txmode.offloads;
	for (uint16_t q = 0; q < ntxq; q++) {
		rc = rte_eth_tx_queue_setup(pid, q, txd, rte_eth_dev_socket_id(pid), &txc);
		if (rc < 0) {
			snprintf(err, errlen, "port %s: tx queue %u: %s", pc->name, q, strerror(-rc));
			return rc;
		}
	}
	if (pc->mtu != 0) {
		uint16_t cur = 0;

		/* Not every PMD can set the MTU (af_packet follows the
		 * kernel interface); the gateway enforces its own. */
		if (rte_eth_dev_get_mtu(pid, &cur) == 0 && cur != pc->mtu)
			(void)rte_eth_dev_set_mtu(pid, pc->mtu);
	}
	if (pc->mac != NULL) {
		rc = rte_eth_dev_default_mac_addr_set(pid, (struct rte_ether_addr *)pc->mac);
		if (rc < 0) {
			snprintf(err, errlen, "port %s: cannot set MAC: %s", pc->name, strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_dev_start(pid);
	if (rc < 0) {
		snprintf(err, errlen, "port %s: start: %s", pc->name, strerror(-rc));
		return rc;
	}
	/* IPv6 ND uses solicited-node multicast. */
	(void)rte_eth_allmulticast_enable(pid);
	*port_id = pid;
	*nb_rxq = nq;
	return 0;
}

void port_close(uint16_t port_id)
{
	rte_eth_dev_stop(port_id);
	rte_eth_dev_close(port_id);
}
