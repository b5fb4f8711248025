/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * espritd's configuration: one libconfig file (see README "Configuration").
 *
 * config_load() reads the file into plain structs and checks every
 * reference (ports, labels, SAs); on any error it names the file, line and
 * setting, and espritd refuses to start.
 */
#ifndef ESPRIT_CONTROL_CONFIG_H
#define ESPRIT_CONTROL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/addr.h"
#include "dataplane/sa.h"
#include "dataplane/spd.h"
#include "control/ike/ike.h"
#include "control/ikecrypto/cert.h"

enum config_limits {
	CFG_NAME_MAX = 32,
	CFG_LABEL_MAX = 256,     /**< security label text (RFC 9478: opaque) */
	CFG_DEVARGS_MAX = 256,
	CFG_PATH_MAX = 108,      /**< sun_path */
	CFG_PORTS_MAX = 16,
	CFG_PORT_ADDRS_MAX = 8,
	CFG_EAL_ARGS_MAX = 32,
	CFG_WORKERS_MAX = 16,
	CFG_LABELS_MAX = 255,    /**< label ids 1..255; 0 = unlabeled */
};

struct cfg_prefix {
	struct esp_addr addr;
	uint8_t len;
};

struct cfg_port {
	char name[CFG_NAME_MAX];
	char devargs[CFG_DEVARGS_MAX]; /**< vdev string ("net_af_packet0,iface=v0") or PCI address */
	uint16_t mtu;                  /**< default 1500 */
	uint8_t mac[6];
	bool has_mac;                  /**< else the PMD's address */
	unsigned n_addrs;
	struct cfg_prefix addrs[CFG_PORT_ADDRS_MAX]; /**< the gateway's own addresses */
};

struct cfg_route {
	struct cfg_prefix dst;
	struct esp_addr via;           /**< family 0: on-link */
	uint16_t port;                 /**< index into ports */
};

struct cfg_neigh {
	struct esp_addr ip;
	uint8_t mac[6];
	uint16_t port;
};

/** Traffic on (port, vlan) carries label id; egress maps it back. */
struct cfg_label {
	char name[CFG_LABEL_MAX];
	uint16_t id;                   /**< 1.. in file order */
	uint16_t port;
	uint16_t vlan;                 /**< 0 = untagged */
};

struct cfg_policy {
	char name[CFG_NAME_MAX];
	struct spd_sel sel;
	enum spd_action action;
	uint32_t sa_spi;               /**< PROTECT: the outbound SA */
	/** PROTECT: per-resource outbound SAs, one a worker (drv_policy) */
	uint32_t res_spi[DRV_POLICY_RES_MAX];
};

struct cfg_sa {
	char name[CFG_NAME_MAX];
	struct esp_sa_params p;
};

/** What to do with a child when espritd starts (swanctl's start_action). */
enum cfg_start { CFG_START_NONE, CFG_START_TRAP, CFG_START_START };

/** An IKE connection (`connections`): the engine's view plus its files. */
struct cfg_conn {
	struct ike_conn c;
	enum cfg_start start[IKE_CONN_CHILD_MAX];
	struct ike_cred cred;          /**< auth = "pubkey": our key and chain */
	struct ike_cred cred_more[IKE_CRED_MORE_MAX]; /**< more of them (cert/key lists) */
	struct ike_trust *trust;       /**< auth = "pubkey": CAs for the peer */
};

struct esprit_config {
	char path[CFG_PATH_MAX * 2];
	/* esprit { ... } */
	unsigned n_eal_args;
	char *eal_args[CFG_EAL_ARGS_MAX]; /**< extra EAL arguments, owned */
	uint16_t workers;              /**< worker lcores, default 1 */
	char lcores[64];               /**< "0,1": control lcore first, then workers; "" = 0..workers */
	uint32_t idle_sleep_us;        /**< workers nap this long after idle polls; 0 = pure polling */
	bool esp_steering;             /**< NIC rules put inbound ESP on its SA's worker (default on) */
	char mgmt_socket[CFG_PATH_MAX];/**< default /run/esprit/espritd.sock */
	char log_level[16];            /**< error, warning, info, debug */
	char keylog[CFG_PATH_MAX];     /**< IKE/ESP key log directory (SECRET keys), "" = off */
	uint16_t rxq_size, txq_size;   /**< descriptors, default 1024 */
	uint32_t mbufs;                /**< mbuf pool size, default 16383 */
	uint32_t max_sas;              /**< SAD entries per worker, default 65536 */
	uint32_t ike_max_sas;          /**< IKE SAs at most, default 65536 */
	uint32_t ike_cookie_threshold; /**< half-open IKE SAs before COOKIEs (RFC 7296 §2.6), 64 */
	uint32_t ike_half_open_max;    /**< half-open IKE SAs at most, default 4096 */

	unsigned n_ports, n_routes, n_neighs, n_labels, n_policies, n_sas;
	struct cfg_port ports[CFG_PORTS_MAX];
	struct cfg_route *routes;
	struct cfg_neigh *neighs;
	struct cfg_label *labels;
	struct cfg_policy *policies;
	struct cfg_sa *sas;
	unsigned n_conns;
	struct cfg_conn *conns;        /**< IKE connections */
};

/**
 * Load and check @p path. 0, or -EINVAL with "file:line: setting: what"
 * in @p err.
 */
int config_load(struct esprit_config *cfg, const char *path, char *err, size_t errlen);

/** Same, from a string (tests, espritctl). @p name stands for the file. */
int config_load_string(struct esprit_config *cfg, const char *text, const char *name,
		       char *err, size_t errlen);

/**
 * Parse one SA in the same syntax as an element of `sas` (used by
 * `espritctl sa add`), checking label names against @p cfg.
 */
int config_parse_sa(const struct esprit_config *cfg, const char *text, struct cfg_sa *out,
		    char *err, size_t errlen);

/** Free what config_load allocated (keys wiped). */
void config_free(struct esprit_config *cfg);

/** The config-file name of a cipher ("aes128gcm16", ...); "?" if unknown. */
const char *config_cipher_name(enum esp_cipher c);

/** Index of port @p name, or -1. */
int config_port_index(const struct esprit_config *cfg, const char *name);

/* Policy @p i of the file as the driver takes it: id i + 1, priority i. */
void cfg_policy_drv(const struct cfg_policy *cp, unsigned i, struct drv_policy *pol);

#endif
