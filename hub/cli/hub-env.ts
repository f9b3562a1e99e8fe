/**
 * The environment variables that may stand in for each `skiff hub` flag (a systemd unit or
 * container sets these). Apart from actions/hub.ts because the command's help names them, and
 * building the help must not load the action code.
 */
export const HUB_ENV = {
  dataDir: 'SKIFF_DATA_DIR',
  apiPort: 'SKIFF_API_PORT',
  mqttPort: 'SKIFF_MQTT_PORT',
  host: 'SKIFF_HOST',
  nodeMonitorGracePeriod: 'SKIFF_NODE_MONITOR_GRACE_PERIOD',
  horizontalPodAutoscalerSyncPeriod: 'SKIFF_HORIZONTAL_POD_AUTOSCALER_SYNC_PERIOD',
  horizontalPodAutoscalerDownscaleStabilization: 'SKIFF_HORIZONTAL_POD_AUTOSCALER_DOWNSCALE_STABILIZATION',
  nodeCredentialTtl: 'SKIFF_NODE_CREDENTIAL_TTL',
  encryptionKeyFile: 'SKIFF_ENCRYPTION_KEY_FILE',
  auditLogPath: 'SKIFF_AUDIT_LOG_PATH',
  datastoreEndpoint: 'SKIFF_DATASTORE_ENDPOINT',
  mqttUrl: 'SKIFF_MQTT_URL',
  mqttUsername: 'SKIFF_MQTT_USERNAME',
  mqttPasswordFile: 'SKIFF_MQTT_PASSWORD_FILE',
  mqttCaFile: 'SKIFF_MQTT_CA_FILE',
  leaderElectLeaseDuration: 'SKIFF_LEADER_ELECT_LEASE_DURATION',
  leaderElectRetryPeriod: 'SKIFF_LEADER_ELECT_RETRY_PERIOD',
} as const;
