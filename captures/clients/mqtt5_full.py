"""MQTT 5.0 session with properties everywhere (capture: mqtt5-paho.pcap).

Two connections:
  * "mqscope-observer" (MQTT 5) subscribes to the will topic and waits for it.
  * "mqscope-v5-full" (MQTT 5) connects with session expiry, receive maximum,
    topic alias maximum, maximum packet size, user properties, a will with will
    properties and username/password; subscribes with subscription options and
    a subscription identifier; publishes QoS 0/1/2 with message expiry, content
    type, response topic, correlation data, user properties, payload format
    indicator and topic aliases (first publish sets alias 1 + topic, later ones
    send alias 1 with an empty topic name); unsubscribes; disconnects with
    reason code 0x04 (Disconnect with Will Message), so the broker publishes the
    will to the observer after the will delay.
"""
import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from drive import HOST, PORT, USER, PASSWORD, Recorder, new_client, pump, settle

WILL_TOPIC = "mqscope/v5/will"

obs_rec = Recorder("observer")
observer = new_client("mqscope-observer", mqtt.MQTTv5, obs_rec)
observer.username_pw_set(USER, PASSWORD)
observer.connect(HOST, PORT, keepalive=30)
pump([observer], lambda: obs_rec.has("connack"), what="observer CONNACK")
observer.subscribe(WILL_TOPIC, options=SubscribeOptions(qos=1))
pump([observer], lambda: obs_rec.has("suback"), what="observer SUBACK")

rec = Recorder("full")
client = new_client("mqscope-v5-full", mqtt.MQTTv5, rec)
client.username_pw_set(USER, PASSWORD)

will_props = Properties(PacketTypes.WILLMESSAGE)
will_props.WillDelayInterval = 1
will_props.PayloadFormatIndicator = 1
will_props.ContentType = "text/plain"
will_props.MessageExpiryInterval = 60
will_props.UserProperty = ("will-origin", "mqscope")
client.will_set(WILL_TOPIC, payload="full client went away", qos=1, retain=False, properties=will_props)

connect_props = Properties(PacketTypes.CONNECT)
connect_props.SessionExpiryInterval = 30
connect_props.ReceiveMaximum = 20
connect_props.TopicAliasMaximum = 10
connect_props.MaximumPacketSize = 65536
connect_props.RequestProblemInformation = 1
connect_props.UserProperty = [("client-kind", "capture"), ("suite", "mqscope")]
client.connect(HOST, PORT, keepalive=60, clean_start=True, properties=connect_props)
pump([observer, client], lambda: rec.has("connack"), what="CONNACK")

sub_props = Properties(PacketTypes.SUBSCRIBE)
sub_props.SubscriptionIdentifier = 42
sub_props.UserProperty = ("sub-note", "wildcards")
client.subscribe(
    [
        ("mqscope/v5/data/#", SubscribeOptions(qos=2, noLocal=False, retainAsPublished=True,
                                                retainHandling=SubscribeOptions.RETAIN_SEND_ON_SUBSCRIBE)),
        ("mqscope/v5/echo/+", SubscribeOptions(qos=1, noLocal=True, retainAsPublished=False,
                                               retainHandling=SubscribeOptions.RETAIN_DO_NOT_SEND)),
    ],
    properties=sub_props,
)
pump([observer, client], lambda: rec.has("suback"), what="SUBACK")


def publish_props(alias, qos):
    p = Properties(PacketTypes.PUBLISH)
    p.PayloadFormatIndicator = 1
    p.MessageExpiryInterval = 120
    p.ContentType = "application/json"
    p.ResponseTopic = "mqscope/v5/reply"
    p.CorrelationData = bytes([0xC0, 0xFF, 0xEE, qos])
    p.UserProperty = [("seq", str(qos)), ("unit", "celsius")]
    p.TopicAlias = alias
    return p


# First publish: topic name + Topic Alias 1 establishes the mapping.
client.publish("mqscope/v5/data/temp", b'{"t":21.5,"q":0}', qos=0, properties=publish_props(1, 0))
# Later publishes: empty topic name, Topic Alias 1 (MQTT 5 section 3.3.2.3.4).
info1 = client.publish("", b'{"t":21.6,"q":1}', qos=1, properties=publish_props(1, 1))
info2 = client.publish("", b'{"t":21.7,"q":2}', qos=2, properties=publish_props(1, 2))
# A second alias for another topic, then a binary payload without alias.
client.publish("mqscope/v5/data/hum", b'{"h":40}', qos=1, properties=publish_props(2, 1))
raw = Properties(PacketTypes.PUBLISH)
raw.PayloadFormatIndicator = 0
client.publish("mqscope/v5/data/raw", bytes(range(16)), qos=0, retain=True, properties=raw)
# no-local subscription: this one must not come back to us.
client.publish("mqscope/v5/echo/self", b"not echoed", qos=1)
pump([observer, client], lambda: rec.has("puback", 4) and rec.has("message", 5), what="PUBACK/PUBCOMP and deliveries")
settle([observer, client], 0.3)

unsub_props = Properties(PacketTypes.UNSUBSCRIBE)
unsub_props.UserProperty = ("why", "done")
client.unsubscribe(["mqscope/v5/data/#", "mqscope/v5/echo/+"], properties=unsub_props)
pump([observer, client], lambda: rec.has("unsuback"), what="UNSUBACK")

disc_props = Properties(PacketTypes.DISCONNECT)
disc_props.SessionExpiryInterval = 0
disc_props.ReasonString = "capture finished"
client.disconnect(reasoncode=ReasonCode(PacketTypes.DISCONNECT, identifier=0x04), properties=disc_props)
pump([observer, client], lambda: rec.has("disconnect"), what="DISCONNECT")
# The will is published after the will delay (or when the session ends).
pump([observer], lambda: obs_rec.has("message"), timeout=5, what="will message")
observer.disconnect()
pump([observer], lambda: obs_rec.has("disconnect"), what="observer DISCONNECT")
print("mqtt5_full: ok", len(rec.events), "events")
