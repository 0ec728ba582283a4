/** The user the auth tests issue tokens for: a plain lhcb user. */
export const ALICE = {
  sub: 'lhcb:3f2a',
  vo: 'lhcb',
  preferred_username: 'alice',
  dirac_group: 'lhcb_user',
  dirac_properties: ['NormalUser'],
};
