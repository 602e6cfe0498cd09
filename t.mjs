import { parse } from 'yaml';
import { RE2JS } from 're2js';
const routes = `virtual_hosts:\n- name: a\n  domains: [x]\n  routes:\n${Array.from({length:500},(_, i)=>`  - {match: {path: /a${i}}, route: {cluster: b}}`).join('\n')}\n`;
for (let i=0;i<5;i++){ const t=performance.now(); parse(routes+'#'+i, {uniqueKeys:true}); console.log('yaml', (performance.now()-t).toFixed(1)); }
for (let i=0;i<3;i++){ const t=performance.now(); for (let j=0;j<373;j++) RE2JS.compile(`[a-z0-9]{1,12}/x${j}/${i}`); console.log('re2 373', (performance.now()-t).toFixed(1)); }
