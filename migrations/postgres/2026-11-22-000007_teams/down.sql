DROP TABLE support_problems;
DROP TABLE support_rounds;
DROP TABLE support_team_communes;
DROP TABLE support_team_members;
DROP TABLE support_teams;
