#!/usr/bin/env python3
"""Renders the Jinja reference cases with real Jinja2, configured as Hugging Face transformers
configures it for chat templates, and writes Tests/Fixtures/jinja/cases.json.

The Swift tests (ChatTemplateJinjaCasesTests) render every case with HymbaLens's interpreter and
compare with what Jinja2 gave here: the same text, or an error where Jinja2 raised one. The
environment below mirrors transformers' chat-template compiler: an ImmutableSandboxedEnvironment
with trim_blocks and lstrip_blocks, the loopcontrols extension, a {% generation %} tag that
renders its body, tojson as json.dumps(ensure_ascii=False) and the raise_exception global.

Run:  python3 scripts/make-jinja-cases.py   (needs: pip install jinja2)
"""
import json
import os
import sys

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment


class Generation(Extension):
    """transformers' {% generation %} block (it only records offsets; the text is unchanged)."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                    extensions=[Generation, jinja2.ext.loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception

MESSAGES = [
    {"role": "system", "content": "  Be brief.  "},
    {"role": "user", "content": "Hello there", "name": "ada"},
    {"role": "assistant", "content": "Hi!"},
    {"role": "user", "content": "What is 2+2?\n"},
]
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather — now",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                         "required": ["city"]}}}]

# (name, template, variables). Variables are JSON; messages/tools above are reused by name.
CASES = [
    # --- text, output, comments, whitespace control (trim_blocks + lstrip_blocks) ---
    ("plain text", "Hello\nworld\n", {}),
    ("output", "{{ 'a' }}{{ \"b\" }}{{ 1 }}{{ 2.5 }}{{ none }}{{ true }}{{ false }}", {}),
    ("trailing newline dropped once", "x\n\n", {}),
    ("crlf normalised", "a\r\nb\rc{{ 'd\r\ne' }}", {}),
    ("block trims one newline", "{% if true %}\nyes\n{% endif %}\nafter", {}),
    ("lstrip before blocks", "  {% if true %}\n    x\n  {% endif %}\ny", {}),
    ("no lstrip before output", "  {{ 'x' }}\n", {}),
    ("minus strips all", "a  \n  {%- if true -%}  \n  b  \n  {%- endif -%}  \n  c", {}),
    ("minus on output", "a   {{- 'b' -}}   c", {}),
    ("plus keeps whitespace", "  {%+ if true %}x{% endif +%}\ny", {}),
    ("comments trimmed", "a\n{# note #}\nb\n  {# indented #}\nc{#- strip -#}  d", {}),
    ("raw block", "{% raw %}{{ not evaluated }}{% endraw %}|", {}),
    ("raw keeps newline after begin", "{% raw %}\nx{% endraw %}\ny", {}),
    ("minus one is strip then one", "{{-1}}|{{ -1 }}", {}),
    ("tag at line start after output", "{{ 'a' }}\n    {% if true %}b{% endif %}", {}),
    ("nested blocks indentation", "{% for x in [1, 2] %}\n  {% if x > 1 %}\n    big {{ x }}\n  {% else %}\n    small {{ x }}\n  {% endif %}\n{% endfor %}\n", {}),
    ("unicode whitespace stripped by minus", "a\u00a0\u2003{{- 'b' }}", {}),
    # --- expressions ---
    ("arithmetic", "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }} {{ 2 ** -1 }}", {}),
    ("float arithmetic", "{{ 0.1 + 0.2 }} {{ 1.5 * 2 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ 1e16 }} {{ 1e15 }} {{ 0.0001 }} {{ 0.00001 }} {{ 3.0 }} {{ -0.0 }}", {}),
    ("bool arithmetic", "{{ true + 1 }} {{ true * 3 }} {{ 'ab' * 2 }} {{ 2 * 'c' }} {{ [1] * 3 }} {{ 'x' * 0 }}|{{ 'x' * -1 }}|", {}),
    ("string concat", "{{ 'a' + 'b' }} {{ 'a' ~ 1 ~ none ~ true }} {{ [1] + [2, 3] }} {{ (1,) + (2,) }}", {}),
    ("unary", "{{ -3 }} {{ +3 }} {{ - -3 }} {{ not true }} {{ not 0 }} {{ -x|abs }}", {"x": 4}),
    ("comparisons", "{{ 1 < 2 }} {{ 2 <= 1 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 1 == 1.0 }} {{ true == 1 }} {{ 'a' != 'b' }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }}", {}),
    ("equality of containers", "{{ [1, 'a'] == [1, 'a'] }} {{ {'a': 1, 'b': 2} == {'b': 2, 'a': 1} }} {{ (1, 2) == [1, 2] }} {{ none == none }} {{ x == y }}", {}),
    ("in and not in", "{{ 'ell' in 'hello' }} {{ 2 in [1, 2] }} {{ 'a' in {'a': 1} }} {{ 3 not in [1, 2] }} {{ 'z' not in 'abc' }} {{ 1 in x }}", {}),
    ("and or return operands", "{{ 0 or 'b' }} {{ 'a' and 'b' }} {{ '' and 'b' }}|{{ none or [] }} {{ x or 'fallback' }}", {}),
    ("conditional expression", "{{ 'yes' if 1 else 'no' }} {{ 'yes' if 0 else 'no' }} [{{ 'yes' if 0 }}] {{ 'a' if false else 'b' if true else 'c' }}", {}),
    ("precedence filter binds tight", "{{ 1 + [1, 2]|length }} {{ -2|abs }} {{ 'ab' ~ 'cd'|upper }}", {}),
    ("not binds loose", "{{ not 1 == 2 }} {{ not 'a' in 'abc' }} {{ not x is defined }}", {}),
    ("literals", "{{ [1, 'two', [3]] }} {{ {'k': 'v', 'n': none} }} {{ (1, 2) }} {{ (1,) }} {{ () }} {{ [] }} {{ {} }} {{ [1, 2,] }}", {}),
    ("string escapes", "{{ 'a\\nb' }}|{{ 'tab\\there' }}|{{ '\\'q\\'' }}|{{ \"\\\"d\\\"\" }}|{{ '\\x41\\u00e9\\101' }}|{{ 'back\\\\slash' }}|{{ '\\d' }}", {}),
    ("adjacent strings join", "{{ 'a' 'b' \"c\" }}", {}),
    ("integer forms", "{{ 1_000 }} {{ 0x1F }} {{ 0o17 }} {{ 0b101 }} {{ 1_0.5 }} {{ 2e3 }} {{ 1E-2 }}", {}),
    ("repr of strings", "{{ ['it\\'s', 'say \"hi\"', 'both \\' \"', 'new\\nline', 'tab\\t', 'ü', '\\x00'] }}", {}),
    ("tuple output", "{{ 1, 2 }}", {}),
    # --- variables, subscripts, attributes ---
    ("subscripts", "{{ messages[0]['role'] }} {{ messages[1].content }} {{ messages[-1].content|trim }} {{ messages[0].role[0] }} {{ 'abc'[1] }} {{ 'abc'[-1] }}", {"messages": MESSAGES}),
    ("dotted integers", "{{ xs.0 }} {{ xs.1.0 }}", {"xs": ["a", ["b"]]}),
    ("missing is undefined", "[{{ messages[0].missing }}] [{{ messages[9] }}] [{{ nothing }}] [{{ {'a': 1}['b'] }}] [{{ 'abc'[7] }}]", {"messages": MESSAGES}),
    ("slices", "{{ 'abcdef'[1:3] }} {{ 'abcdef'[::-1] }} {{ 'abcdef'[::2] }} {{ [1, 2, 3, 4][1:] }} {{ [1, 2, 3, 4][:-1] }} {{ [1, 2, 3][5:] }} {{ 'abc'[-2:] }} {{ [1, 2, 3, 4, 5][4:0:-2] }}", {}),
    ("dict methods", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %} {{ d.keys()|list }} {{ d.values()|list }} {{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 'dflt') }}", {"d": {"b": 2, "a": 1}}),
    ("dict views print as python does", "{{ d.items() }} {{ d.keys() }} {{ d.values() }}", {"d": {"b": 2, "a": 1}}),
    ("method beats key on attribute", "{{ d.items is defined }} {{ d['items'] }} {{ d.content }}", {"d": {"items": "key", "content": "c"}}),
    ("none attribute is undefined", "[{{ x.foo }}] {{ x.foo is defined }}", {"x": None}),
    ("items of empty dict", "{% for k, v in {}.items() %}x{% else %}empty{% endfor %}", {}),
    # --- string methods ---
    ("strip family", "[{{ '  a b  '.strip() }}] [{{ 'xxaxx'.strip('x') }}] [{{ '  a'.lstrip() }}] [{{ 'a  '.rstrip() }}] [{{ '\\t\\n a \\x1c'.strip() }}] [{{ '\\u3000a\\u00a0'.strip() }}]", {}),
    ("split with maxsplit keeps the rest as is", "{{ '  x  y '.split(none, 1) }} {{ ' x  y  '.rsplit(none, 1) }} {{ 'a b c'.split(' ', 0) }}", {}),
    ("split family", "{{ 'a b  c'.split() }} {{ 'a,b,,c'.split(',') }} {{ 'a,b,c'.split(',', 1) }} {{ 'a,b,c'.rsplit(',', 1) }} {{ '  x  y '.split(none, 1) }} {{ 'l1\\nl2\\r\\nl3'.splitlines() }} {{ ''.split() }} {{ ''.split(',') }}", {}),
    ("starts and ends", "{{ 'hello'.startswith('he') }} {{ 'hello'.endswith('lo') }} {{ 'hello'.startswith(('x', 'h')) }} {{ 'hello'.startswith('l', 2) }} {{ 'hello'.endswith('') }}", {}),
    ("replace and case", "{{ 'a-b-c'.replace('-', '+') }} {{ 'a-b-c'.replace('-', '', 1) }} {{ 'ab'.replace('', '.') }} {{ 'MiXed'.upper() }} {{ 'MiXed'.lower() }} {{ \"they're bill's o'neil\".title() }} {{ 'hELLO wORLD'.capitalize() }} {{ 'straße'.upper() }} {{ 'ΟΔΟΣ'.lower() }}", {}),
    ("find and count", "{{ 'banana'.find('an') }} {{ 'banana'.rfind('an') }} {{ 'banana'.find('x') }} {{ 'banana'.count('a') }} {{ 'banana'.index('n') }} {{ ', '.join(['a', 'b']) }} {{ ''.join('xyz') }}", {}),
    ("string predicates", "{{ '123'.isdigit() }} {{ 'abc'.isalpha() }} {{ 'a1'.isalnum() }} {{ '  '.isspace() }} {{ 'abc'.islower() }} {{ 'ABC'.isupper() }} {{ ''.isdigit() }} {{ 'prefix-x'.removeprefix('prefix-') }} {{ 'x.txt'.removesuffix('.txt') }}", {}),
    ("string length is code points", "{{ 'e\u0301'|length }} {{ '日本'|length }} {{ '👍'|length }} {{ 'e\u0301' == '\u00e9' }}", {}),
    # --- statements ---
    ("if elif else", "{% for x in [1, 2, 3] %}{% if x == 1 %}one{% elif x == 2 %}two{% else %}many{% endif %} {% endfor %}", {}),
    ("for over dict, string, range", "{% for k in {'b': 1, 'a': 2} %}{{ k }}{% endfor %} {% for c in 'abc' %}{{ c }}.{% endfor %} {% for i in range(3) %}{{ i }}{% endfor %} {% for i in range(1, 10, 3) %}{{ i }}{% endfor %} {% for i in range(5, 0, -2) %}{{ i }}{% endfor %}", {}),
    ("loop variables", "{% for m in messages %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/{{ loop.first }}/{{ loop.last }}/{{ loop.length }} {% endfor %}", {"messages": MESSAGES}),
    ("loop previtem nextitem cycle", "{% for x in [1, 2, 3] %}[{{ loop.previtem }}|{{ loop.nextitem }}|{{ loop.cycle('odd', 'even') }}]{% endfor %}", {}),
    ("loop filter counts kept items", "{% for m in messages if m.role == 'user' %}{{ loop.index }}:{{ m.content|trim }}/{{ loop.length }} {% endfor %}", {"messages": MESSAGES}),
    ("for else", "{% for x in [] %}x{% else %}none{% endfor %} {% for x in missing %}x{% else %}undefined is empty{% endfor %}", {}),
    ("tuple unpacking", "{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }} {% endfor %}{% for (k, v) in {'x': 1}.items() %}{{ k }}{{ v }}{% endfor %}", {}),
    ("break and continue", "{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}", {}),
    ("nested loops", "{% for a in [1, 2] %}{% for b in 'xy' %}{{ a }}{{ b }}{{ loop.index }}{% endfor %}|{{ loop.index }} {% endfor %}", {}),
    ("set", "{% set x = 1 %}{% set y = x + 1 %}{{ x }}{{ y }}{% set a, b = 'pq' %}{{ b }}{{ a }}{% set t = 1, 2 %}{{ t }}", {}),
    ("set in loop does not leak", "{% set n = 0 %}{% for x in [1, 2, 3] %}{% set n = n + x %}{{ n }}{% endfor %}|{{ n }}", {}),
    ("set in loop resets each iteration", "{% for i in [1, 2, 3] %}{% if loop.first %}{% set y = 'set' %}{% endif %}[{{ y }}]{% endfor %}", {}),
    ("set in if leaks", "{% if true %}{% set z = 'visible' %}{% endif %}{{ z }}", {}),
    ("namespace", "{% set ns = namespace(count=0, seen=[]) %}{% for m in messages %}{% if m.role == 'user' %}{% set ns.count = ns.count + 1 %}{% set ns.seen = ns.seen + [m.content|trim] %}{% endif %}{% endfor %}{{ ns.count }} {{ ns.seen }} {{ ns.missing is defined }}", {"messages": MESSAGES}),
    ("namespace from dict and repr", "{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns.b }} {{ ns }}", {}),
    ("set block", "{% set greeting %}Hello {{ name }}!{% endset %}[{{ greeting }}] {{ greeting|length }}", {"name": "Ada"}),
    ("macro", "{% macro tag(name, value='-') %}<{{ name }}={{ value }}>{% endmacro %}{{ tag('a') }}{{ tag('b', 2) }}{{ tag(value=3, name='c') }}{{ tag() }}", {}),
    ("recursive macro", "{% macro show(v) %}{% if v is mapping %}{{ '{' }}{% for k, x in v.items() %}{{ k }}:{{ show(x) }};{% endfor %}{{ '}' }}{% elif v is iterable and v is not string %}[{% for x in v %}{{ show(x) }},{% endfor %}]{% else %}{{ v }}{% endif %}{% endmacro %}{{ show(tools) }}", {"tools": TOOLS}),
    ("macro sees outer variables", "{% set prefix = '>' %}{% macro line(t) %}{{ prefix }}{{ t }}{% endmacro %}{{ line('a') }}{% for x in [1] %}{% set prefix = '!' %}{{ line('b') }}{% endfor %}", {}),
    ("macro printed", "{% macro m() %}{% endmacro %}{{ m }}", {}),
    ("generation tag", "{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}{{ m.content }}{% endgeneration %}{% else %}{{ m.role }}{% endif %} {% endfor %}", {"messages": MESSAGES}),
    ("print tag", "{% print 'printed' ~ 1 %}", {}),
    ("multi-line tags", "{%\n  if\n  x\n%}\ny{%\nendif\n%}", {"x": True}),
    # --- tests ---
    ("is tests", "{{ x is defined }} {{ y is defined }} {{ y is undefined }} {{ none is none }} {{ 1 is number }} {{ true is number }} {{ true is integer }} {{ 1 is integer }} {{ 1.0 is float }} {{ 'a' is string }} {{ {} is mapping }} {{ [] is sequence }} {{ 'a' is iterable }} {{ 1 is iterable }} {{ y is iterable }}", {"x": 1}),
    ("more tests", "{{ 3 is odd }} {{ 4 is even }} {{ 9 is divisibleby 3 }} {{ 9 is divisibleby(4) }} {{ 'abc' is lower }} {{ 'ABC' is upper }} {{ 2 is in [1, 2] }} {{ false is sameas false }} {{ none is sameas none }} {{ true is boolean }} {{ true is true }} {{ 0 is false }} {{ x is callable }} {{ range is callable }}", {"x": 1}),
    ("comparison tests", "{{ 1 is eq 1 }} {{ 1 is equalto 2 }} {{ 1 is ne 2 }} {{ 1 is lt 2 }} {{ 2 is le 2 }} {{ 3 is gt 2 }} {{ 3 is ge 4 }} {{ 3 is greaterthan 2 }} {{ 1 is lessthan 2 }} {{ x is not none }}", {"x": 0}),
    ("tests on views and undefined", "{{ d.keys() is sequence }} {{ d.keys() is iterable }} {{ missing is sequence }} {{ missing is callable }}", {"d": {"a": 1}}),
    # --- filters ---
    ("text filters", "[{{ '  x  '|trim }}] [{{ 'xxyxx'|trim('x') }}] {{ 'ab'|upper }} {{ 'AB'|lower }} {{ 'hello wORLD-foo(bar'|title }} {{ 'hELLO'|capitalize }} {{ 'a-b'|replace('-', '+') }} {{ 'aaa'|replace('a', 'b', 2) }} [{{ 'ab'|center(6) }}] [{{ 'abc'|center(6) }}] {{ 'one two, three'|wordcount }}", {}),
    ("length and count", "{{ [1, 2]|length }} {{ 'abc'|count }} {{ {'a': 1}|length }} {{ missing|length }} {{ messages|length }}", {"messages": MESSAGES}),
    ("default", "{{ missing|default('d') }} {{ none|default('d') }} {{ ''|default('d', true) }} {{ 0|d('zero', boolean=true) }} {{ 'set'|default('d') }} [{{ missing|default }}]", {}),
    ("join", "{{ [1, 2, 3]|join(', ') }} {{ ['a', none, true]|join }} {{ messages|join('|', attribute='role') }} {{ 'abc'|join('.') }}", {"messages": MESSAGES}),
    ("first last list", "{{ [1, 2, 3]|first }} {{ [1, 2, 3]|last }} {{ 'abc'|first }} {{ 'abc'|list }} {{ {'a': 1, 'b': 2}|list }} [{{ []|first }}] {{ range(3)|list }} {{ (1, 2)|list }}", {}),
    ("string filter and int float", "{{ 1|string ~ 2 }} {{ [1]|string }} {{ '42'|int + 1 }} {{ '42.7'|int }} {{ ' 7 '|int }} {{ 'x'|int }} {{ 'x'|int(5) }} {{ '0x1f'|int(0, 16) }} {{ '1_000'|int }} {{ 3.9|int }} {{ -3.9|int }} {{ '2.5'|float }} {{ 'x'|float }} {{ 3|float }} {{ '1e3'|float }} {{ '1e3'|int }} {{ none|int }}", {}),
    ("abs sum min max", "{{ -3|abs }} {{ -2.5|abs }} {{ [1, 2, 3]|sum }} {{ [1.5, 2]|sum }} {{ [[1], [2]]|sum(start=[]) }} {{ messages|map(attribute='content')|map('length')|sum }} {{ [3, 1, 2]|min }} {{ [3, 1, 2]|max }} {{ ['b', 'A', 'c']|min }} {{ ['b', 'A', 'c']|max(case_sensitive=true) }} [{{ []|max }}]", {"messages": MESSAGES}),
    ("map and select", "{{ messages|map(attribute='role')|list }} {{ messages|selectattr('role', 'equalto', 'user')|map(attribute='content')|map('trim')|list }} {{ messages|rejectattr('role', 'eq', 'user')|map(attribute='role')|join(',') }} {{ [1, 2, 3, 4]|select('odd')|list }} {{ [1, 2, 3, 4]|reject('even')|list }} {{ [0, 1, '', 'a', none]|select|list }} {{ messages|selectattr('name')|map(attribute='name')|list }} {{ messages|map(attribute='name', default='anon')|list }}", {"messages": MESSAGES}),
    ("map with filter arguments", "{{ ['a', 'b']|map('upper')|join }} {{ ['x y', 'z']|map('replace', ' ', '_')|list }} {{ [[1, 2], [3]]|map('length')|list }} {{ messages|map(attribute='role')|map('title')|unique|list }}", {"messages": MESSAGES}),
    ("generators are true and single use", "{% set users = messages|selectattr('role', 'eq', 'nobody') %}{% if users %}truthy{% endif %} {% set g = [1, 2]|map('string') %}{{ g|list }}{{ g|list }} {{ messages|selectattr('role', 'eq', 'user')|list|length }}", {"messages": MESSAGES}),
    ("sort unique dictsort reverse", "{{ [3, 1, 2]|sort }} {{ ['b', 'A', 'c']|sort }} {{ ['b', 'A', 'c']|sort(case_sensitive=true) }} {{ [3, 1, 2]|sort(reverse=true) }} {{ messages|sort(attribute='role')|map(attribute='role')|list }} {{ ['a', 'A', 'b', 'a']|unique|list }} {{ ['a', 'A']|unique(case_sensitive=true)|list }} {{ {'b': 1, 'a': 2}|dictsort }} {{ {'b': 1, 'a': 2}|dictsort(by='value') }} {{ {'b': 1, 'a': 2}|dictsort(reverse=true) }} {{ 'abc'|reverse }} {{ [1, 2, 3]|reverse|list }} {{ {'x': 1, 'y': 2}|reverse|list }}", {"messages": MESSAGES}),
    ("items filter", "{% for k, v in d|items %}{{ k }}{{ v }}{% endfor %}|{% for k, v in missing|items %}x{% endfor %}|", {"d": {"z": 1, "a": 2}}),
    ("indent", "{{ 'a\\nb\\n\\nc'|indent }}|{{ 'a\\nb'|indent(2, true) }}|{{ 'a\\n\\nb'|indent('> ', blank=true) }}|{{ 'x'|indent(first=true) }}", {}),
    ("attr filter", "{{ d|attr('items') is defined }} [{{ d|attr('a') }}] {{ 'x'|attr('upper') is callable }}", {"d": {"a": 1}}),
    ("tojson", "{{ tools|tojson }}\n{{ {'s': 'ü \"q\" \\\\ \\n', 'n': none, 't': true, 'f': 1.0, 'i': -3, 'l': [1, 2.5e-7, 1e22]}|tojson }}\n{{ 'x'|tojson }} {{ none|tojson }} {{ [1, (2, 3)]|tojson }} {{ {1: 'a', true: 'b', none: 'c', 2.5: 'd'}|tojson }}", {"tools": TOOLS}),
    ("tojson options", "{{ tools|tojson(indent=2) }}\n{{ {'b': 1, 'a': [1, {}], 'c': []}|tojson(indent=4, sort_keys=true) }}\n{{ {'a': 'é', 'e': '😀'}|tojson(ensure_ascii=true) }}\n{{ {'a': [1, 2]}|tojson(separators=(',', ':')) }}\n{{ [1, [2]]|tojson(indent='\\t') }}\n{{ [1]|tojson(indent=0) }}", {"tools": TOOLS}),
    ("tojson of chat values keeps key order", "{% for m in messages %}{{ m|tojson }}\n{% endfor %}", {"messages": MESSAGES}),
    ("raise_exception in branch not taken", "{% if messages[0].role == 'nobody' %}{{ raise_exception('never') }}{% endif %}ok", {"messages": MESSAGES}),
    # --- real-world chat template shapes ---
    ("chatml", "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}", {"messages": MESSAGES, "add_generation_prompt": True}),
    ("llama2 style", "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}", {"messages": MESSAGES, "bos_token": "<s>", "eos_token": "</s>"}),
    ("tool template shape", "{%- if tools %}\n    {{- '<|im_start|>system\\n' }}\n    {%- if messages[0]['role'] == 'system' %}\n        {{- messages[0]['content'] }}\n    {%- else %}\n        {{- 'You are a helpful assistant.' }}\n    {%- endif %}\n    {{- \"\\n\\n# Tools\\n\\n<tools>\" }}\n    {%- for tool in tools %}\n        {{- \"\\n\" }}\n        {{- tool | tojson }}\n    {%- endfor %}\n    {{- \"\\n</tools><|im_end|>\\n\" }}\n{%- endif %}\n{%- for message in messages %}\n    {%- if (message.role == \"user\") or (message.role == \"system\" and not loop.first) or (message.role == \"assistant\" and not message.tool_calls) %}\n        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n    {%- endif %}\n{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- '<|im_start|>assistant\\n' }}\n{%- endif %}\n", {"messages": MESSAGES, "tools": TOOLS, "add_generation_prompt": True}),
    ("hymba-like with documents", "{{'<extra_id_0>System'}}{% for message in messages %}{% if message['role'] == 'system' %}{{'\n' + message['content'].strip()}}{% if tools or contexts %}{{'\n'}}{% endif %}{% endif %}{% endfor %}{% if tools %}{% for tool in tools %}{{ '\n<tool> ' + tool|tojson + ' </tool>' }}{% endfor %}{% endif %}{% if contexts %}{% if tools %}{{'\n'}}{% endif %}{% for context in contexts %}{{ '\n<context> ' + context.strip() + ' </context>' }}{% endfor %}{% endif %}{{'\n\n'}}{% for message in messages %}{% if message['role'] == 'user' %}{{ '<extra_id_1>User\n' + message['content'].strip() + '\n' }}{% elif message['role'] == 'assistant' %}{{ '<extra_id_1>Assistant\n' + message['content'].strip() + '\n' }}{% elif message['role'] == 'tool' %}{{ '<extra_id_1>Tool\n' + message['content'].strip() + '\n' }}{% endif %}{% endfor %}{%- if add_generation_prompt %}{{'<extra_id_1>Assistant\n'}}{%- endif %}", {"messages": MESSAGES, "tools": TOOLS, "contexts": ["  one  ", "two"], "add_generation_prompt": True}),
    # --- errors Jinja raises (HymbaLens must fail too, never print something) ---
    ("error: raise_exception", "{{ raise_exception('Only user and assistant roles are supported!') }}", {}),
    ("error: attribute of undefined", "{{ missing.content }}", {}),
    ("error: item of undefined", "{{ missing['content'] }}", {}),
    ("error: method on undefined", "{{ messages[7].content.strip() }}", {"messages": MESSAGES}),
    ("error: str plus int", "{{ 'a' + 1 }}", {}),
    ("error: undefined plus", "{{ missing + 1 }}", {}),
    ("error: division by zero", "{{ 1 / 0 }}", {}),
    ("error: compare str and int", "{{ 'a' < 1 }}", {}),
    ("error: length of generator", "{{ messages|selectattr('role', 'eq', 'user')|length }}", {"messages": MESSAGES}),
    ("error: tojson of undefined", "{{ missing|tojson }}", {}),
    ("error: unknown filter", "{{ 'a'|nosuchfilter }}", {}),
    ("error: unknown test", "{{ 'a' is nosuchtest }}", {}),
    ("error: unclosed block", "{% if true %}x", {}),
    ("error: unexpected end tag", "{% endfor %}", {}),
    ("error: mismatched end tag", "{% if true %}{% endfor %}", {}),
    ("error: unclosed output", "{{ 'a' ", {}),
    ("error: bad bracket", "{{ (1] }}", {}),
    ("error: list append is unsafe", "{% set xs = [] %}{{ xs.append(1) }}", {}),
    ("error: none iteration", "{% for x in none %}{% endfor %}", {}),
    ("error: unpack mismatch", "{% for a, b in [[1, 2, 3]] %}{% endfor %}", {}),
    ("error: namespace assignment on non-namespace", "{% set d = {} %}{% set d.x = 1 %}", {}),
    ("error: break outside loop", "{% break %}", {}),
    ("error: range too big", "{{ range(200000)|length }}", {}),
    ("error: in needs string", "{{ 1 in 'abc' }}", {}),
    ("error: calling a string", "{{ 'abc'() }}", {}),
    ("error: macro with too many arguments", "{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}", {}),
    ("error: slicing a number", "{{ x[1:] }}", {"x": 5}),
    ("error: slicing a dict", "{{ d[1:] }}", {"d": {"a": 1}}),
    ("error: indent of a number", "{{ x|indent }}", {"x": 5}),
    ("error: do tag", "{% do xs.append(1) %}", {}),
]


def main():
    out = []
    for name, template, variables in CASES:
        case = {"name": name, "template": template, "variables": variables}
        try:
            case["text"] = env.from_string(template).render(**variables)
        except Exception as error:  # every Jinja failure: the Swift side must fail too
            case["error"] = f"{type(error).__name__}: {error}"
        out.append(case)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "jinja", "cases.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"jinja2": jinja2.__version__,
                   "environment": "ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True) + loopcontrols + generation tag; tojson = json.dumps(ensure_ascii=False); raise_exception",
                   "cases": out}, handle, ensure_ascii=False, indent=1)
        handle.write("\n")
    errors = sum("error" in case for case in out)
    print(f"wrote {len(out)} cases ({errors} expected errors) to {os.path.normpath(path)}", file=sys.stderr)


if __name__ == "__main__":
    main()
