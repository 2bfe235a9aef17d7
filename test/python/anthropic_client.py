"""Drives gw's /v1/messages with the official Python `anthropic` SDK; prints one JSON object of what it saw.

Usage: python anthropic_client.py BASE_URL API_KEY MODEL
"""
import json
import sys

import anthropic

base_url, api_key, model = sys.argv[1], sys.argv[2], sys.argv[3]
client = anthropic.Anthropic(base_url=base_url, api_key=api_key, max_retries=0, timeout=20)
weather = {
    "name": "get_weather",
    "description": "The weather in a city",
    "input_schema": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]},
}
out = {}

message = client.messages.create(model=model, max_tokens=300, system="Be brief.", messages=[{"role": "user", "content": "Invent a holiday."}])
out["create"] = {"type": message.type, "text": "".join(b.text for b in message.content if b.type == "text"), "stop_reason": message.stop_reason, "output_tokens": message.usage.output_tokens}

with client.messages.stream(model=model, max_tokens=300, messages=[{"role": "user", "content": "Invent a holiday."}]) as stream:
    streamed = "".join(stream.text_stream)
    final = stream.get_final_message()
out["stream"] = {"text": streamed, "final_text": "".join(b.text for b in final.content if b.type == "text"), "output_tokens": final.usage.output_tokens}

tool = client.messages.create(model=model, max_tokens=300, tools=[weather], messages=[{"role": "user", "content": "Weather in Paris?"}])
calls = [b for b in tool.content if b.type == "tool_use"]
out["tools"] = {"stop_reason": tool.stop_reason, "calls": [{"id": c.id, "name": c.name, "input": c.input} for c in calls]}

out["count_tokens"] = client.messages.count_tokens(model=model, messages=[{"role": "user", "content": "Hello there"}]).input_tokens

try:
    anthropic.Anthropic(base_url=base_url, api_key="wrong", max_retries=0).messages.create(model=model, max_tokens=10, messages=[{"role": "user", "content": "hi"}])
    out["bad_key"] = None
except anthropic.AuthenticationError as error:
    out["bad_key"] = {"status": error.status_code, "type": error.body["error"]["type"] if isinstance(error.body, dict) else None}

print(json.dumps(out))
